/**
 * One statement on a plain `pg` client of a Sequelize instance's pool, for a hot
 * path that needs none of Sequelize's query path (bind formatting, a stack
 * captured per query, result mapping). The client comes from the same pool, so
 * the node still holds one pool (DB_POOL_MAX); its type parsers are the pool's.
 */
import type { ClientBase } from "pg";
import type { Sequelize } from "sequelize";
import { isDatabaseUnavailable } from "../support/database-errors";

interface PoolConnections {
	getConnection(options?: { type?: "read" | "write" }): Promise<ClientBase & { _invalid?: boolean }>;
	releaseConnection(connection: ClientBase): void | Promise<void>;
}

export async function withPoolClient<T>(db: Sequelize, run: (client: ClientBase) => Promise<T>): Promise<T> {
	const connections = db.connectionManager as unknown as PoolConnections;
	const client = await connections.getConnection({ type: "write" });
	try {
		return await run(client);
	} catch (err) {
		// As Sequelize does for a lost connection: the pool drops it instead of lending it again.
		if (isDatabaseUnavailable(err)) client._invalid = true;
		throw err;
	} finally {
		await connections.releaseConnection(client);
	}
}
