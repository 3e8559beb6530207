/**
 * moleculer-db for a service that owns tables. The service leases the node's
 * Sequelize instance for `settings.database` (lib/platform/clients/shared-database.ts)
 * in `created` and hands it to the adapter as is: the adapter connects it,
 * defines the service's model on it and never runs sync(). The service's own
 * SQL runs on the same instance (`this.sequelize`). Leased in `created`, not when the schema is built, because
 * Moleculer's schema merge deep-clones everything a schema holds: an instance
 * built beforehand would reach the adapter as a second, unconnected copy.
 * moleculer-db's generic CRUD actions are off, so no write can bypass the
 * service's own transactional actions.
 */
import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import type SequelizeDbAdapter from "moleculer-db-adapter-sequelize";
import type { Model, ModelStatic, Sequelize } from "sequelize";
import { leaseDatabase } from "../lib/platform/clients/shared-database";
import { databaseSettingsSchema, dbServiceSchema, migratedSequelizeAdapter, type DatabaseSettings, type ModelDefinition } from "../lib/platform/clients/moleculer-db";
import { checkSettings } from "../lib/platform/config/settings-check";

/** Optional in the type so the mixin fits any service schema; `created` refuses to go without it. */
export interface DbSettings extends ServiceSettingSchema {
	database?: DatabaseSettings;
}

export interface DbVars {
	sequelize: Sequelize;
	adapter: SequelizeDbAdapter;
	/** Set by the adapter when it connects (before `started` of the service itself). */
	model: ModelStatic<Model>;
}

const CRUD_ACTIONS = ["find", "count", "list", "create", "insert", "get", "update", "remove"] as const;

/** What a service using DbMixin holds; optional here, where `created` sets them up. */
type DbMixinVars = Partial<DbVars>;

export function DbMixin(model: ModelDefinition): Partial<ServiceSchema<DbSettings, object, DbMixinVars>> & { model: ModelDefinition } {
	return {
		mixins: [dbServiceSchema],
		model,
		// The database URL may hold a password: it stays out of the service info other nodes see.
		settings: { $secureSettings: ["database"] },
		actions: Object.fromEntries(CRUD_ACTIONS.map((name) => [name, false])),
		created() {
			// Runs after moleculer-db's own created(), which set up its in-memory adapter for want of one in the schema.
			checkSettings(this.name, databaseSettingsSchema, this.settings);
			const database = this.settings.database as DatabaseSettings;
			const lease = leaseDatabase(this.broker, database.url, database.poolMax);
			this.sequelize = lease.sequelize;
			this.adapter = migratedSequelizeAdapter(lease.sequelize);
			// moleculer-db's stopped() disconnects the adapter, which would close the pool under the node's other services.
			this.adapter.disconnect = () => lease.release();
			this.adapter.init(this.broker, this);
		},
	};
}
