/**
 * One Sequelize pool per node and database URL. Every service of a node that
 * talks to PostgreSQL (the moleculer-db adapters, the listeners' sweeps and
 * watermarks, the stuck monitor, the console reads, the health check, the
 * outbox relay's cleanup and backlog reads) takes a lease on the node's pool instead of opening
 * its own: an all-in-one node then holds one pool's connections, not one per
 * service.
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
	/** The shared size: the largest `poolMax` a lease asked for (DB_POOL_MAX, the same for the whole node). */
	shared: number;
	/** Connections the live leases reserved for themselves on top of the shared size. */
	reserved: number;
}

const pools = new WeakMap<ServiceBroker, Map<string, Entry>>();

/** Names the node's connections in pg_stat_activity (PostgreSQL keeps 63 bytes of it). */
export const nodeApplicationName = (broker: ServiceBroker): string => `${broker.namespace || "orders"}-${broker.nodeID}`.slice(0, 63);

/** The pool's size follows its leases: sequelize-pool reads its factory's `max` at each acquire. */
function resize(entry: Entry): void {
	const max = Math.max(1, entry.shared + entry.reserved);
	const manager = entry.sequelize.connectionManager as unknown as { pool?: { _factory?: { max: number } } };
	if (manager.pool?._factory) manager.pool._factory.max = max;
	const shown = entry.sequelize.config.pool as { max: number } | undefined;
	if (shown) shown.max = max;
}

/**
 * A lease on the node's pool for `databaseUrl`. `poolMax` (DB_POOL_MAX, one
 * setting for the whole node; 0 from a user that has no say on it) is the
 * size the services share; `reserved` connections are added to it while this
 * lease lasts, for a user whose own concurrency is fixed and must not starve
 * the others nor be starved by them (the outbox relay).
 */
export function leaseDatabase(broker: ServiceBroker, databaseUrl: string, poolMax: number, reserved = 0): DatabaseLease {
	let byUrl = pools.get(broker);
	if (!byUrl) {
		byUrl = new Map();
		pools.set(broker, byUrl);
	}
	let entry = byUrl.get(databaseUrl);
	if (!entry) {
		const size = Math.max(1, poolMax + reserved);
		entry = { sequelize: createSequelize(databaseUrl, size, { applicationName: nodeApplicationName(broker) }), users: 0, shared: 0, reserved: 0 };
		byUrl.set(databaseUrl, entry);
	}
	entry.users++;
	entry.shared = Math.max(entry.shared, poolMax);
	entry.reserved += reserved;
	resize(entry);
	const held = entry;
	const owners = byUrl;
	let released = false;
	return {
		sequelize: held.sequelize,
		async release() {
			if (released) return;
			released = true;
			held.reserved -= reserved;
			resize(held);
			if (--held.users > 0) return;
			owners.delete(databaseUrl);
			await held.sequelize.close();
		},
	};
}
