/**
 * PostgreSQL wiring: the Sequelize instance every service uses and creation of
 * the database when it is missing. The migrations are in ./migrations.ts, so a
 * service node never loads umzug.
 */
import { Client } from "pg";
import { Sequelize } from "sequelize";

/** `applicationName` names the connections in pg_stat_activity; `idleMs` closes an unused one. */
export function createSequelize(databaseUrl: string, poolMax = 10, { applicationName, idleMs = 10_000 }: { applicationName?: string; idleMs?: number } = {}): Sequelize {
	return new Sequelize(databaseUrl, {
		dialect: "postgres",
		logging: false,
		pool: { max: poolMax, min: 0, idle: idleMs, acquire: 10_000 },
		dialectOptions: { connectionTimeoutMillis: 5_000, ...(applicationName ? { application_name: applicationName } : {}) },
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
