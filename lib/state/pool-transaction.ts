/**
 * A transaction run on a bare `pg` connection of the node's Sequelize pool:
 * the state store's batch is a few statements on the hot path of every
 * listener, and Sequelize's query path (option merging, bind rewriting, its
 * own BEGIN round trip) costs it more than the statements themselves.
 *
 * The opening statement (BEGIN, or SAVEPOINT inside a caller's transaction) is
 * not sent on its own: the work sends it at the head of its first statement,
 * so the transaction costs no round trip of its own.
 */
import type { QueryResult } from "pg";
import type { Sequelize, Transaction } from "sequelize";
import { rawPgPool } from "../platform/clients/raw-pg-pool";

/** The part of pg's client the store uses. */
export interface PgConnection {
	query(text: string, values?: unknown[]): Promise<QueryResult>;
}

/** How the batch's transaction opens, ends and undoes: its own, or a savepoint of the caller's. */
interface Bracket {
	open: string;
	close: string;
	undo: string;
}

const OWN: Bracket = { open: "BEGIN", close: "COMMIT", undo: "ROLLBACK" };
const SAVEPOINT: Bracket = { open: "SAVEPOINT state_batch", close: "RELEASE SAVEPOINT state_batch", undo: "ROLLBACK TO SAVEPOINT state_batch" };

/** The connection a Sequelize transaction runs on (set once it started; not in Sequelize's typings). */
const connectionOf = (t: Transaction): PgConnection => (t as unknown as { connection: PgConnection }).connection;

/**
 * Runs `work` in one transaction on a connection of `db`'s pool, or in a
 * savepoint of `within` on that transaction's connection. `work` must send
 * `open` itself, first, with its first statement. Committed (or released) when
 * `work` resolves, undone when it or the commit throws. A connection that could
 * not be rolled back is in an unknown state: destroyed, as Sequelize does.
 */
export async function inPoolTransaction<T>(db: Sequelize, within: Transaction | undefined, work: (connection: PgConnection, open: string) => Promise<T>): Promise<T> {
	if (within) return bracketed(connectionOf(within), SAVEPOINT, work, () => undefined);
	const pool = rawPgPool(db);
	const connection = await pool.connect();
	let clean = true;
	try {
		return await bracketed(connection, OWN, work, (undone) => (clean = undone));
	} finally {
		pool.release(connection, !clean);
	}
}

/** `work`, then close; on a failure of either, undo (`undone` tells whether that went through) and rethrow. */
async function bracketed<T>(
	connection: PgConnection,
	bracket: Bracket,
	work: (connection: PgConnection, open: string) => Promise<T>,
	undone: (ok: boolean) => void,
): Promise<T> {
	try {
		const result = await work(connection, bracket.open);
		await connection.query(bracket.close);
		return result;
	} catch (err) {
		undone(
			await connection.query(bracket.undo).then(
				() => true,
				() => false,
			),
		);
		throw err;
	}
}
