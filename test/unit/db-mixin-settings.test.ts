/**
 * DbMixin checks `settings.database` of the service that owns tables before it
 * leases a pool, so a wrong wiring stops the node at once, naming the setting and
 * never echoing the URL (it may hold a password). The lease itself runs against
 * PostgreSQL in test/integration/moleculer-db.test.ts.
 */
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { DbMixin } from "../../mixins/db.mixin";
import { leaseDatabase } from "../../lib/platform/clients/shared-database";

jest.mock("../../lib/platform/clients/shared-database");

const MODEL = { name: "things", define: {}, options: {} };
const create = (settings: object) => () => new ServiceBroker({ logger: false }).createService({ name: "things", mixins: [DbMixin(MODEL)], settings } as ServiceSchema);

it("refuses a service without settings.database", () => {
	expect(create({})).toThrow("service things: settings.database is required");
	expect(leaseDatabase).not.toHaveBeenCalled();
});

it("refuses a bad database setting in one line that names it and echoes no value", () => {
	const bad = create({ database: { url: ["postgres://orders:secret@db:5432/orders"], poolMax: 0 } });
	expect(bad).toThrow(/^service things: settings\.database\.url must be a string; settings\.database\.poolMax must be a positive number$/);
	expect(bad).not.toThrow(/secret/);
	expect(leaseDatabase).not.toHaveBeenCalled();
});
