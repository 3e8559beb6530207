/**
 * The node's Sequelize pool (./shared-database.ts) as raw `pg` clients: the
 * same connections, queried without Sequelize's per-query work. For the outbox
 * relay, whose claim holds one connection over claim -> send -> commit.
 */
import type { Client, QueryResult, QueryResultRow } from "pg";
import type { Sequelize } from "sequelize";

/** What runs one statement: a client, or the pool (a client for that statement alone). */
export interface SqlRunner {
	query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

export interface RawPgPool extends SqlRunner {
	/** A connection of the pool for a series of statements, until `release`. */
	connect(): Promise<Client>;
	/** Gives it back; `broken`: the pool closes it instead (lost, or left in an unknown transaction state). */
	release(client: Client, broken?: boolean): void;
}

export function rawPgPool(sequelize: Sequelize): RawPgPool {
	const manager = sequelize.connectionManager;
	const pool: RawPgPool = {
		connect: async () => (await manager.getConnection({ type: "write" })) as Client,
		release(client, broken = false) {
			// Sequelize drops a connection that emitted 'error' itself; destroying twice is harmless.
			if (broken) void manager.destroyConnection(client).catch(() => undefined);
			else manager.releaseConnection(client);
		},
		async query<R extends QueryResultRow>(text: string, values?: unknown[]) {
			const client = await pool.connect();
			try {
				return await client.query<R>(text, values);
			} finally {
				// A failed statement outside a transaction leaves the connection usable; a lost one is invalid and not handed out again.
				pool.release(client);
			}
		},
	};
	return pool;
}
