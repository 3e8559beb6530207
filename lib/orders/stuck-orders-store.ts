/**
 * The stuck-order lookups, each one statement on the partial index
 * orders_waiting_state_updated_at (migrations/0005_stuck_orders.up.sql): per
 * waiting state a range scan of the orders that entered it before its deadline,
 * so the cost follows the number of stuck orders, never the size of the table.
 * `since` is orders.updated_at, which the create and every recorded state set.
 */
import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { deadlinesOf, WAITING_STATES, type StuckCursor, type StuckDeadlines, type WaitingState } from "../../domain/stuck-orders";

/**
 * The index's predicate, word for word: the planner uses a partial index only
 * for a query whose WHERE implies it, and `state = <a parameter>` does not.
 */
const WAITING = `o.state IN (${WAITING_STATES.map((s) => `'${s}'`).join(", ")})`;

/** One row per waiting state asked for: its name and deadline, as the lateral scans' parameters ($1, $2). */
const PER_STATE = "unnest($1::order_state[], $2::bigint[]) AS w(state, after_ms)";
const PAST_DEADLINE = `${WAITING} AND o.state = w.state AND o.updated_at < now() - w.after_ms * interval '1 millisecond'`;

/** `updated_at` in UTC with its microseconds: the cursor must point exactly past the last row. */
const MICROSECONDS = `to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * $1/$2 states and deadlines, $3/$4 the cursor (after this `since` and order id),
 * $5 the page size plus one. Each state's scan stops after $5 rows in index
 * order; the outer sort merges at most 3 x $5 rows.
 */
const LIST_STUCK_SQL = `
	SELECT s.order_id, s.state, s.since FROM ${PER_STATE}
	CROSS JOIN LATERAL (
		SELECT o.order_id, o.state, o.updated_at, ${MICROSECONDS} AS since FROM orders o
		WHERE ${PAST_DEADLINE} AND (o.updated_at, o.order_id) > ($3::timestamptz, $4::bigint)
		ORDER BY o.updated_at, o.order_id LIMIT $5
	) s
	ORDER BY s.updated_at, s.order_id LIMIT $5`;

/** $1/$2 states and deadlines: per state, how many are stuck and since when the oldest waits. */
const SUMMARIZE_STUCK_SQL = `
	SELECT w.state, c.count, c.oldest FROM ${PER_STATE}
	CROSS JOIN LATERAL (
		SELECT count(*)::int AS count, min(o.updated_at) AS oldest FROM orders o WHERE ${PAST_DEADLINE}
	) c`;

export interface StuckOrderRow {
	order_id: number;
	state: WaitingState;
	/** When the order entered its state, with PostgreSQL's microseconds (ISO 8601, UTC). */
	since: string;
}

export interface StuckStateSummary {
	state: WaitingState;
	count: number;
	/** When the oldest stuck order entered the state; null when none is stuck. */
	oldest_since: string | null;
}

const bindDeadlines = (deadlines: StuckDeadlines, only?: WaitingState): [WaitingState[], number[]] => {
	const chosen = deadlinesOf(deadlines, only);
	return [chosen.map((d) => d.state), chosen.map((d) => d.afterMs)];
};

/** Stuck orders oldest first, after `cursor`; one extra row tells whether a next page exists. */
export async function listStuckOrders(
	db: Sequelize,
	q: { deadlines: StuckDeadlines; state?: WaitingState; cursor?: StuckCursor; limit: number },
): Promise<{ orders: StuckOrderRow[]; more: boolean }> {
	const rows = await db.query<{ order_id: string; state: WaitingState; since: string }>(LIST_STUCK_SQL, {
		bind: [...bindDeadlines(q.deadlines, q.state), q.cursor?.since ?? "-infinity", q.cursor?.orderId ?? 0, q.limit + 1],
		type: QueryTypes.SELECT,
	});
	const orders = rows.slice(0, q.limit).map((r) => ({ order_id: Number(r.order_id), state: r.state, since: r.since }));
	return { orders, more: rows.length > q.limit };
}

/** Per waiting state (all three, in their saga order), the stuck count and the oldest one's `since`. */
export async function summarizeStuckOrders(db: Sequelize, deadlines: StuckDeadlines, transaction?: Transaction): Promise<StuckStateSummary[]> {
	const rows = await db.query<{ state: WaitingState; count: number; oldest: Date | null }>(SUMMARIZE_STUCK_SQL, {
		bind: bindDeadlines(deadlines),
		type: QueryTypes.SELECT,
		transaction,
	});
	return rows.map((r) => ({ state: r.state, count: r.count, oldest_since: r.oldest?.toISOString() ?? null }));
}

/** The statements as they run, for EXPLAIN in tests and measurements. */
export const STUCK_SQL = { list: LIST_STUCK_SQL, summarize: SUMMARIZE_STUCK_SQL } as const;
