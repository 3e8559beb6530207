/**
 * moleculer-db wiring for a service that owns tables: its own Sequelize pool,
 * a model defined on it (so the adapter never runs sync(); the schema comes from
 * migrations/), and moleculer-db's generic CRUD actions switched off, so no
 * write can bypass the service's own transactional actions.
 */
import type { ServiceSchema } from "moleculer";
import DbService from "moleculer-db";
import SequelizeAdapter from "moleculer-db-adapter-sequelize";
import type { ModelStatic, Model, Sequelize } from "sequelize";
import { config } from "../lib/platform/config";
import { createSequelize } from "../lib/platform/database";

const CRUD_ACTIONS = ["find", "count", "list", "create", "insert", "get", "update", "remove"] as const;

export function DbMixin(defineModel: (sequelize: Sequelize) => ModelStatic<Model>): Partial<ServiceSchema> & { adapter: SequelizeAdapter; model: ModelStatic<Model> } {
	const cfg = config();
	const sequelize = createSequelize(cfg.databaseUrl, cfg.dbPoolMax);
	return {
		// moleculer-db's typings declare a class; at runtime it is a service schema.
		mixins: [DbService as unknown as Partial<ServiceSchema>],
		// Given a Sequelize instance, the adapter uses it as is (its typings say only string | object).
		adapter: new SequelizeAdapter(sequelize as unknown as object),
		model: defineModel(sequelize),
		actions: Object.fromEntries(CRUD_ACTIONS.map((name) => [name, false])),
	};
}
