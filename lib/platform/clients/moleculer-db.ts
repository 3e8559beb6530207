/**
 * moleculer-db and its Sequelize adapter, as this project uses them: the
 * service schema to mix in, and an adapter bound to a given Sequelize instance
 * that never runs sync() (the schema comes from migrations/ only).
 */
import type { ServiceSchema } from "moleculer";
import DbService from "moleculer-db";
import SequelizeDbAdapter from "moleculer-db-adapter-sequelize";
import type { ModelAttributes, ModelOptions, Sequelize } from "sequelize";
import { positiveInteger, type SettingsSchema } from "../config/settings-check";

/** `settings.database` of a service with tables, as DbMixin checks it. */
export const databaseSettingsSchema: SettingsSchema = {
	database: { type: "object", props: { url: { type: "string", empty: false }, poolMax: positiveInteger } },
};

export interface DatabaseSettings {
	url: string;
	/** Connections the node's pool for this URL may open (DB_POOL_MAX; the first service to lease it sizes it). */
	poolMax: number;
}

/** A table as the adapter defines it on connect; it must match migrations/. */
export interface ModelDefinition {
	name: string;
	define: ModelAttributes;
	options: ModelOptions;
}

/** moleculer-db's typings declare its mixin as a Service class; at runtime it is a plain schema. */
export const dbServiceSchema = DbService as unknown as Partial<ServiceSchema>;

/**
 * The adapter uses a Sequelize instance given as its first argument as is. On
 * connect it defines the schema's `model` on it and then calls sync() (CREATE
 * TABLE IF NOT EXISTS) unless its fourth argument says `noSync`. Its typings
 * know only the one-argument form.
 */
const Adapter = SequelizeDbAdapter as new (sequelize: Sequelize, username: undefined, password: undefined, options: { noSync: true }) => SequelizeDbAdapter;

export function migratedSequelizeAdapter(sequelize: Sequelize): SequelizeDbAdapter {
	return new Adapter(sequelize, undefined, undefined, { noSync: true });
}
