/**
 * PostgreSQL wiring: the Sequelize instance every service uses, creation of the
 * database when it is missing, and the SQL migrations of migrations/.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { Sequelize } from "sequelize";
import { SequelizeStorage, Umzug } from "umzug";
import { projectRoot } from "./project-root";

export const migrationsDir = join(projectRoot(), "migrations");
/** Any fixed number: serialises migrations of nodes that start together. */
const MIGRATION_LOCK = 7_245_001;

export function createSequelize(databaseUrl: string, poolMax = 10): Sequelize {
	return new Sequelize(databaseUrl, {
		dialect: "postgres",
		logging: false,
		pool: { max: poolMax, min: 0, idle: 10_000, acquire: 10_000 },
		dialectOptions: { connectionTimeoutMillis: 5_000 },
	});
}

function databaseName(databaseUrl: string): string {
	return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, "")) || "postgres";
}

function maintenanceUrl(databaseUrl: string): string {
	const url = new URL(databaseUrl);
	url.pathname = "/postgres";
	return url.toString();
}

/** Creates the database named in the URL when the server does not have it yet. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
	const name = databaseName(databaseUrl);
	const client = new Client({ connectionString: maintenanceUrl(databaseUrl), connectionTimeoutMillis: 5_000 });
	await client.connect();
	try {
		const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
		if (found.rowCount === 0) {
			await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
				if (err.code !== "42P04") throw err; // another node created it meanwhile
			});
		}
	} finally {
		await client.end();
	}
}

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
