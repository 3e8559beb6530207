/**
 * Stands in for mixins/db.mixin.ts in the unit tests of the services that own
 * tables (orders, state): moleculer-db would connect to PostgreSQL in started()
 * and retry forever without it. The tests mock the service's store module, so
 * the Sequelize instance and model are only handed on to it: these markers let a
 * test see that they were. The real wiring is tested in test/integration/.
 *
 * Used as `jest.mock("../../../mixins/db.mixin", () => jest.requireActual("../../support/without-database"))`.
 */
export const STUB_SEQUELIZE = { stands_in_for: "sequelize" };
export const STUB_MODEL = { stands_in_for: "model" };

export function DbMixin() {
	return {
		created(this: { sequelize: unknown; model: unknown }) {
			this.sequelize = STUB_SEQUELIZE;
			this.model = STUB_MODEL;
		},
	};
}
