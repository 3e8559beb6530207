/**
 * The stuck monitor's SQL: the lease that lets one node of a cluster run the
 * ticks, and the states recorded since the last tick with the time each order
 * spent in its previous state. Both run inside the tick's transaction.
 */
import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import type { OrderState } from "../../domain/order-state";

/**
 * Takes or renews the lease of namespace $1 for node $2 for $3 ms: granted when
 * the node holds it already or it has run out. The row lock of the upsert
 * serialises nodes that try together. A namespace's first lease starts its
 * watermark at the newest state, so a monitor never reads old history.
 * A node whose tick finds another node's tick under way (the namespace's
 * advisory lock taken) gets no lease and does not wait: that node holds the
 * lease or is taking it, and a node's start (which waits for its first tick)
 * must not wait for another node's tick.
 */
const CLAIM_LEASE_SQL = `
	INSERT INTO stuck_monitor AS m (namespace, leader, lease_until, last_state_id)
	SELECT $1, $2, now() + $3 * interval '1 millisecond', (SELECT coalesce(max(id), 0) FROM order_states)
	WHERE pg_try_advisory_xact_lock(hashtext('stuck_monitor'), hashtext($1))
	ON CONFLICT (namespace) DO UPDATE SET leader = excluded.leader, lease_until = excluded.lease_until
	WHERE m.leader = excluded.leader OR m.lease_until < now()
	RETURNING m.last_state_id`;

/** Lets the next node take the lease at its next tick. */
const RELEASE_LEASE_SQL = "UPDATE stuck_monitor SET lease_until = '-infinity' WHERE namespace = $1 AND leader = $2";

/**
 * Seconds it takes a state's transaction to commit, at most, for the monitor to
 * see it: a state newer than this is left to the next tick, so a transaction
 * still open when a later id is read is not stepped over.
 */
export const SETTLE_SECONDS = 5;

/**
 * The states after id $1 (up to $2 of them, recorded at least SETTLE_SECONDS
 * ago), each with the state its order left and how long it stayed there: the
 * previous row of the order by id, found on the (order_id, state) index (an
 * order has at most six rows). An order's first state left nothing (null), but
 * still moves the watermark.
 * The previous row is the newest of the order's earlier rows by aggregate, not
 * `ORDER BY p.id DESC LIMIT 1`: on a table without statistics yet (a new
 * database under load) the planner answered that LIMIT by scanning the primary
 * key backwards for the order, all the way down for an order's first state,
 * and a tick over 5,000 new orders took minutes while holding the lease row.
 */
const TRANSITIONS_SQL = `
	SELECT s.id, p.state AS left_state, extract(epoch FROM s.recorded_at - p.recorded_at)::float8 AS seconds
	FROM order_states s
	LEFT JOIN LATERAL (
		SELECT (array_agg(p.state ORDER BY p.id DESC))[1] AS state, (array_agg(p.recorded_at ORDER BY p.id DESC))[1] AS recorded_at
		FROM order_states p WHERE p.order_id = s.order_id AND p.id < s.id
	) p ON true
	WHERE s.id > $1 AND s.recorded_at < now() - interval '${SETTLE_SECONDS} seconds'
	ORDER BY s.id LIMIT $2`;

const ADVANCE_SQL = "UPDATE stuck_monitor SET last_state_id = $2 WHERE namespace = $1";

export interface Transition {
	/** The state the order left. */
	left: OrderState;
	seconds: number;
}

/** The watermark when `nodeId` holds the lease of `namespace` now; null when another node does. */
export async function claimLease(db: Sequelize, transaction: Transaction, lease: { namespace: string; nodeId: string; ms: number }): Promise<number | null> {
	const rows = await db.query<{ last_state_id: string }>(CLAIM_LEASE_SQL, {
		bind: [lease.namespace, lease.nodeId, lease.ms],
		type: QueryTypes.SELECT,
		transaction,
	});
	return rows[0] ? Number(rows[0].last_state_id) : null;
}

export async function releaseLease(db: Sequelize, lease: { namespace: string; nodeId: string }): Promise<void> {
	await db.query(RELEASE_LEASE_SQL, { bind: [lease.namespace, lease.nodeId] });
}

/** The transitions after `watermark` (read from at most `limit` rows), the new watermark, and whether more may follow. */
export async function readTransitions(db: Sequelize, transaction: Transaction, watermark: number, limit: number): Promise<{ transitions: Transition[]; watermark: number; full: boolean }> {
	const rows = await db.query<{ id: string; left_state: OrderState | null; seconds: number | null }>(TRANSITIONS_SQL, {
		bind: [watermark, limit],
		type: QueryTypes.SELECT,
		transaction,
	});
	const transitions = rows.flatMap((r) => (r.left_state === null ? [] : [{ left: r.left_state, seconds: r.seconds ?? 0 }]));
	return { transitions, watermark: rows.length > 0 ? Number(rows.at(-1)?.id) : watermark, full: rows.length === limit };
}

export async function advanceWatermark(db: Sequelize, transaction: Transaction, namespace: string, watermark: number): Promise<void> {
	await db.query(ADVANCE_SQL, { bind: [namespace, watermark], transaction });
}

/** The monitor's read of new states as it runs, for EXPLAIN in tests. */
export const STUCK_MONITOR_SQL = { transitions: TRANSITIONS_SQL } as const;
