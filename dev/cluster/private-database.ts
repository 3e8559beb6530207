/**
 * A migrated database of its own for a test file or a chaos run: relays elsewhere
 * never see its outbox rows, and what it holds is explained by its own nodes alone.
 */
import { randomUUID } from "node:crypto";
import { Client, Pool } from "pg";
import { ensureDatabase } from "../../lib/platform/clients/database";
import { migrateUp } from "../../lib/platform/startup/migrations";

export interface PrivateDatabase {
	url: string;
	pool: Pool;
	drop(): Promise<void>;
}

/** Creates `<prefix><random>` on the server of `serverUrl` (a database there to connect to). */
export async function privateDatabase(serverUrl: string, prefix: string): Promise<PrivateDatabase> {
	const url = new URL(serverUrl);
	const name = `${prefix}${randomUUID().slice(0, 8)}`;
	url.pathname = `/${name}`;
	await ensureDatabase(url.toString());
	await migrateUp(url.toString());
	const pool = new Pool({ connectionString: url.toString(), max: 4 });
	// DROP ... WITH (FORCE) may terminate a backend whose client is still closing; that is expected, not an error.
	pool.on("error", () => undefined);
	return {
		url: url.toString(),
		pool,
		drop: async () => {
			await pool.end();
			const admin = new Client({ connectionString: serverUrl });
			await admin.connect();
			await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => admin.end());
		},
	};
}
