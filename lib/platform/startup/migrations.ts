/**
 * The SQL migrations of migrations/ (`000N_name.up.sql` / `.down.sql`), run by
 * umzug and recorded in schema_migrations. Only the deployment step
 * (`npm run migrate`), `npm start` and tests load this.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import type { Sequelize } from "sequelize";
import { SequelizeStorage, Umzug } from "umzug";
import { createSequelize } from "../clients/database";
import { projectRoot } from "../config/project-root";

export const migrationsDir = join(projectRoot(), "migrations");
/** Any fixed number: serialises migrations of nodes that start together. */
const MIGRATION_LOCK = 7_245_001;

export function createMigrator(sequelize: Sequelize): Umzug<Sequelize> {
	return new Umzug({
		migrations: {
			glob: ["*.up.sql", { cwd: migrationsDir }],
			resolve: ({ name, path, context }) => {
				const upFile = path as string;
				const downFile = upFile.replace(/\.up\.sql$/, ".down.sql");
				const run = (file: string) => () => context.transaction(async (transaction) => {
					await context.query(readFileSync(file, "utf8"), { transaction });
				});
				return { name: name.replace(/\.up\.sql$/, ""), up: run(upFile), down: run(downFile) };
			},
		},
		context: sequelize,
		storage: new SequelizeStorage({ sequelize, tableName: "schema_migrations" }),
		logger: undefined,
	});
}

/** Applies every pending migration, one node at a time. Returns the names applied. */
export async function migrateUp(databaseUrl: string): Promise<string[]> {
	const lock = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
	await lock.connect();
	const sequelize = createSequelize(databaseUrl, 2);
	try {
		await lock.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
		const applied = await createMigrator(sequelize).up();
		return applied.map((m) => m.name);
	} finally {
		await sequelize.close();
		await lock.end();
	}
}
