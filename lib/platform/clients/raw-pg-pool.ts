/**
 * The node's Sequelize pool (./shared-database.ts) as raw `pg` clients: the
 * same connections, queried without Sequelize's per-query work (bind formatting,
 * a stack captured per query, result mapping), for the hot paths: the create
 * statement, the state store's batch, the outbox relay's cleanup and backlog
 * reads (its batches run on a session of its own, lib/outbox/slot-lease.ts).
 */
import type { Client, QueryConfig, QueryResult, QueryResultRow } from "pg";
import type { Sequelize } from "sequelize";
import { isDatabaseUnavailable } from "../support/database-errors";

/** What runs one statement: a client, or the pool (a client for that statement alone). */
export interface SqlRunner {
	query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/**
 * A statement by name: each connection parses and plans it once and then only
 * binds and executes it (pg keeps the names per connection), for hot statements
 * whose text is fixed.
 */
export interface PreparedStatement {
	name: string;
	text: string;
}

export interface RawPgPool extends SqlRunner {
	/** Runs `statement`, prepared on its connection the first time it runs there. */
	execute<R extends QueryResultRow = QueryResultRow>(statement: PreparedStatement, values: unknown[]): Promise<QueryResult<R>>;
	/** A connection of the pool for a series of statements, until `release`. */
	connect(): Promise<Client>;
	/** Gives it back; `broken`: the pool closes it instead (lost, or left in an unknown transaction state). */
	release(client: Client, broken?: boolean): void;
}

const pools = new WeakMap<Sequelize, RawPgPool>();

/** The raw view of `sequelize`'s pool (one per instance). */
export function rawPgPool(sequelize: Sequelize): RawPgPool {
	let pool = pools.get(sequelize);
	if (!pool) {
		pool = rawView(sequelize);
		pools.set(sequelize, pool);
	}
	return pool;
}

function rawView(sequelize: Sequelize): RawPgPool {
	const manager = sequelize.connectionManager;
	const pool: RawPgPool = {
		connect: async () => (await manager.getConnection({ type: "write" })) as Client,
		release(client, broken = false) {
			// Sequelize drops a connection that emitted 'error' itself; destroying twice is harmless.
			if (broken) void manager.destroyConnection(client).catch(() => undefined);
			else manager.releaseConnection(client);
		},
		query: <R extends QueryResultRow>(text: string, values?: unknown[]) => runAlone<R>({ text, values }),
		execute: <R extends QueryResultRow>({ name, text }: PreparedStatement, values: unknown[]) => runAlone<R>({ name, text, values }),
	};
	/** One statement on a connection of its own. */
	async function runAlone<R extends QueryResultRow>(query: QueryConfig): Promise<QueryResult<R>> {
		const client = await pool.connect();
		let broken = false;
		try {
			return await client.query<R>(query);
		} catch (err) {
			// A failed statement outside a transaction leaves the connection usable; a lost one is closed, not lent again.
			broken = isDatabaseUnavailable(err);
			throw err;
		} finally {
			pool.release(client, broken);
		}
	}
	return pool;
}
