/**
 * moleculer-db wiring of the table-owning services (mixins/db.mixin.ts): the
 * adapter connects the service's one Sequelize instance and never runs sync().
 * On an EMPTY database (no migrations) the services start, connect, and leave
 * it empty: moleculer-db-adapter-sequelize would otherwise CREATE the model's
 * table (and its enum type) on connect.
 */
import { randomUUID } from "node:crypto";
import type { Service, ServiceBroker } from "moleculer";
import { Client } from "pg";
import type { Sequelize } from "sequelize";
import { createNode } from "../../wiring/create-node";
import { loadConfig } from "../../lib/platform/config/config";
import { ensureDatabase } from "../../lib/platform/clients/database";
import { serviceSettings } from "../../wiring/service-settings";
import OrdersService from "../../services/orders.service";
import { TEST_DATABASE_URL } from "../support/test-env";
import { waitFor } from "../support/wait";

const name = `orders_runtime_nosync_${randomUUID().slice(0, 8)}`;
const url = new URL(TEST_DATABASE_URL);
url.pathname = `/${name}`;

let broker: ServiceBroker;
let db: Client;

beforeAll(async () => {
	await ensureDatabase(url.toString());
	db = new Client({ connectionString: url.toString() });
	await db.connect();
	// Local node: no transporter, no cacher; the services' database is the empty one.
	broker = createNode(loadConfig({ ...process.env, DATABASE_URL: url.toString() }), ["orders", "state"], { transporter: undefined, cacher: undefined });
	await broker.start();
});

afterAll(async () => {
	await broker?.stop();
	await db?.end();
	const admin = new Client({ connectionString: TEST_DATABASE_URL });
	await admin.connect();
	await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => admin.end());
});

type DbService = Service & { sequelize: Sequelize; adapter: { db: Sequelize }; model: { sequelize?: Sequelize; tableName: string } };

it.each(["orders", "state"])("%s connected its adapter and created no table or type", async (service) => {
	const svc = broker.getLocalService(service) as DbService;
	await svc.sequelize.authenticate();
	const { rows } = await db.query(
		`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
		 UNION ALL SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'`,
	);
	expect(rows).toEqual([]);
});

it.each([
	["orders", "orders"],
	["state", "applied_messages"],
])("%s runs its model, its adapter and its own SQL on one Sequelize instance (model of %s)", (service, table) => {
	const svc = broker.getLocalService(service) as DbService;
	expect(svc.model.tableName).toBe(table);
	expect(svc.adapter.db).toBe(svc.sequelize);
	expect(svc.model.sequelize).toBe(svc.sequelize);
});

it("publishes none of moleculer-db's CRUD actions", async () => {
	for (const action of ["find", "count", "list", "create", "insert", "get", "update", "remove"]) {
		const registered = broker.registry.actions.isAvailable(`state.${action}`);
		expect({ action, registered }).toEqual({ action, registered: false });
	}
});

it("orders and state share the node's pool, which outlives one of them stopped alone and serves it started again", async () => {
	const pool = (broker.getLocalService("state") as DbService).sequelize;
	expect((broker.getLocalService("orders") as DbService).sequelize).toBe(pool);
	await broker.destroyService(broker.getLocalService("orders") as Service);
	// The adapter of orders disconnected: state's queries still run on the pool.
	await expect(pool.query("SELECT 1")).resolves.toBeDefined();
	broker.createService({ ...OrdersService, settings: { ...OrdersService.settings, ...serviceSettings(loadConfig({ ...process.env, DATABASE_URL: url.toString() })).orders } });
	const restarted = await waitFor(() => (broker.getLocalService("orders") as DbService | undefined)?.model && (broker.getLocalService("orders") as DbService), "orders started again");
	expect(restarted.sequelize).toBe(pool);
	await expect(restarted.sequelize.query("SELECT 1")).resolves.toBeDefined();
});
