/**
 * One Sequelize pool per node and database URL. Every service of a node that
 * talks to PostgreSQL (the moleculer-db adapters, the listeners' sweeps and
 * watermarks, the stuck monitor, the console reads, the health check) takes a
 * lease on the node's pool instead of opening its own: an all-in-one node then
 * holds one pool's connections, not one per service.
 *
 * The pool is made on the first lease and closed when the last lease is
 * released, so a service stopping alone (or restarted) never closes it under
 * the others. Its connections carry `application_name` `<namespace>-<nodeID>`,
 * so pg_stat_activity counts them per node.
 */
import type { ServiceBroker } from "moleculer";
import type { Sequelize } from "sequelize";
import { createSequelize } from "./database";

export interface DatabaseLease {
	readonly sequelize: Sequelize;
	/** Gives this user's share back; the pool closes with the last one. Releasing twice is harmless. */
	release(): Promise<void>;
}

interface Entry {
	sequelize: Sequelize;
	users: number;
}

const pools = new WeakMap<ServiceBroker, Map<string, Entry>>();

/** Names the node's connections in pg_stat_activity (PostgreSQL keeps 63 bytes of it). */
export const nodeApplicationName = (broker: ServiceBroker): string => `${broker.namespace || "orders"}-${broker.nodeID}`.slice(0, 63);

/**
 * A lease on the node's pool for `databaseUrl`. `poolMax` (DB_POOL_MAX, one
 * setting for the whole node) sizes the pool when this lease creates it.
 */
export function leaseDatabase(broker: ServiceBroker, databaseUrl: string, poolMax: number): DatabaseLease {
	let byUrl = pools.get(broker);
	if (!byUrl) {
		byUrl = new Map();
		pools.set(broker, byUrl);
	}
	let entry = byUrl.get(databaseUrl);
	if (!entry) {
		entry = { sequelize: createSequelize(databaseUrl, poolMax, { applicationName: nodeApplicationName(broker) }), users: 0 };
		byUrl.set(databaseUrl, entry);
	}
	entry.users++;
	const held = entry;
	const owners = byUrl;
	let released = false;
	return {
		sequelize: held.sequelize,
		async release() {
			if (released) return;
			released = true;
			if (--held.users > 0) return;
			owners.delete(databaseUrl);
			await held.sequelize.close();
		},
	};
}
