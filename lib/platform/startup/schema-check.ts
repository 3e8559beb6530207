/**
 * A production node does not migrate (`npm run migrate` is an explicit step):
 * it refuses to start while the database lacks a migration of migrations/,
 * rather than fail later on a missing table or column.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { projectRoot } from "../config/project-root";

export class SchemaError extends Error {
	override name = "SchemaError";
}

const MIGRATE = 'run "npm run migrate"';

/** Migration names as umzug records them in schema_migrations (`0001_init` for 0001_init.up.sql). */
export function knownMigrations(dir = join(projectRoot(), "migrations")): string[] {
	return readdirSync(dir)
		.filter((file) => file.endsWith(".up.sql"))
		.map((file) => file.slice(0, -".up.sql".length))
		.sort();
}

async function appliedMigrations(databaseUrl: string): Promise<Set<string>> {
	const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
	client.on("error", () => undefined);
	try {
		await client.connect();
		const { rows } = await client.query<{ name: string }>("SELECT name FROM schema_migrations");
		return new Set(rows.map((row) => row.name));
	} catch (err) {
		const code = (err as { code?: string }).code;
		if (code === "42P01") return new Set(); // no schema_migrations table: nothing applied yet
		if (code === "3D000") throw new SchemaError(`database "${new URL(databaseUrl).pathname.slice(1)}" does not exist: ${MIGRATE}`);
		throw err;
	} finally {
		await client.end().catch(() => undefined);
	}
}

/** Resolves when every migration of migrations/ is applied; otherwise a SchemaError saying what to run. */
export async function checkSchema(databaseUrl: string, known: string[] = knownMigrations()): Promise<void> {
	const applied = await appliedMigrations(databaseUrl);
	const pending = known.filter((name) => !applied.has(name));
	if (pending.length > 0) {
		const count = pending.length === 1 ? "1 migration" : `${pending.length} migrations`;
		throw new SchemaError(`database schema is behind (${count} pending: ${pending.join(", ")}): ${MIGRATE}`);
	}
}
