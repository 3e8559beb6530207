/**
 * Migrations up, down, up against real PostgreSQL, in a database of this test's
 * own (the shared orders_test is never migrated down).
 */
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { createSequelize, ensureDatabase } from "../../lib/platform/clients/database";
import { createMigrator, migrateUp } from "../../lib/platform/startup/migrations";
import { TEST_DATABASE_URL } from "../support/test-env";

const SCHEMA_TABLES = ["applied_messages", "order_products", "order_states", "orders", "outbox", "parked_messages"];

function urlOf(database: string): string {
	const url = new URL(TEST_DATABASE_URL);
	url.pathname = `/${database}`;
	return url.toString();
}

async function query<T>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
	const client = new Client({ connectionString: databaseUrl });
	await client.connect();
	try {
		return (await client.query(sql, params)).rows as T[];
	} finally {
		await client.end();
	}
}

const tables = async (url: string): Promise<string[]> =>
	(await query<{ name: string }>(url, "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).map((r) => r.name);

const enumExists = async (url: string): Promise<boolean> =>
	(await query(url, "SELECT 1 FROM pg_type WHERE typname = 'order_state'")).length === 1;

describe("migrations smoke", () => {
	const database = `orders_migrations_test_${randomBytes(4).toString("hex")}`;
	const url = urlOf(database);

	beforeAll(() => ensureDatabase(url));

	afterAll(async () => {
		await query(urlOf("postgres"), `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
	});

	it("go up, down to nothing, and up again", async () => {
		expect(await migrateUp(url)).toContain("0001_init");
		expect(await tables(url)).toEqual(expect.arrayContaining(SCHEMA_TABLES));
		expect(await enumExists(url)).toBe(true);
		expect(await migrateUp(url)).toEqual([]); // idempotent

		const sequelize = createSequelize(url, 1);
		try {
			const reverted = await createMigrator(sequelize).down({ to: 0 });
			expect(reverted.map((m) => m.name)).toContain("0001_init");
		} finally {
			await sequelize.close();
		}
		expect(await tables(url)).toEqual(["schema_migrations"]);
		expect(await enumExists(url)).toBe(false);

		expect(await migrateUp(url)).toContain("0001_init");
		expect(await tables(url)).toEqual(expect.arrayContaining(SCHEMA_TABLES));
	});
});
