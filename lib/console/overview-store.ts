/**
 * The database figures of the console's overview, each one statement that
 * stays fast with millions of orders: the recent history is a range of the
 * index order_states (recorded_at, state) (migration 0007), the outbox backlog
 * the partial index of unsent rows.
 */
import { QueryTypes, type Sequelize } from "sequelize";
import { BACKLOG_SQL, backlogOf, type BacklogRow, type OutboxBacklog } from "../outbox/outbox-store";

/** How far back the per-minute chart and the saga durations look. */
export const OVERVIEW_WINDOW_MINUTES = 30;

export interface MinuteCounts {
	/** Start of the minute (ISO, UTC). */
	minute: string;
	created: number;
	completed: number;
	failed: number;
}

export interface SagaDurations {
	/** Sagas that ended (completed or failed) in the window. */
	ended: number;
	p50_ms: number | null;
	p99_ms: number | null;
}

/** Orders created, completed and failed per minute over the window, oldest first; minutes without any are zeros. */
export async function ordersPerMinute(db: Sequelize): Promise<MinuteCounts[]> {
	const rows = await db.query<{ minute: Date; created: number; completed: number; failed: number }>(
		`SELECT m.minute,
		        count(s.state) FILTER (WHERE s.state = 'ORDER_CREATED')::int AS created,
		        count(s.state) FILTER (WHERE s.state = 'PAYMENT_COMPLETED')::int AS completed,
		        count(s.state) FILTER (WHERE s.state IN ('RESERVE_FAILED', 'PAYMENT_FAILED'))::int AS failed
		   FROM generate_series(date_trunc('minute', now()) - make_interval(mins => $1 - 1), date_trunc('minute', now()), interval '1 minute') AS m(minute)
		   LEFT JOIN order_states s
		     ON s.recorded_at >= m.minute AND s.recorded_at < m.minute + interval '1 minute'
		    AND s.state IN ('ORDER_CREATED', 'PAYMENT_COMPLETED', 'RESERVE_FAILED', 'PAYMENT_FAILED')
		  GROUP BY m.minute ORDER BY m.minute`,
		{ bind: [OVERVIEW_WINDOW_MINUTES], type: QueryTypes.SELECT },
	);
	return rows.map((r) => ({ minute: r.minute.toISOString(), created: r.created, completed: r.completed, failed: r.failed }));
}

/** p50 and p99 of ORDER_CREATED to the terminal state, for the sagas that ended in the window. */
export async function sagaDurations(db: Sequelize): Promise<SagaDurations> {
	const [row] = await db.query<{ ended: number; p50: number | null; p99: number | null }>(
		`SELECT count(*)::int AS ended,
		        percentile_cont(0.5) WITHIN GROUP (ORDER BY d) AS p50,
		        percentile_cont(0.99) WITHIN GROUP (ORDER BY d) AS p99
		   FROM (SELECT extract(epoch FROM e.recorded_at - c.recorded_at) * 1000 AS d
		           FROM order_states e
		           JOIN order_states c ON c.order_id = e.order_id AND c.state = 'ORDER_CREATED'
		          WHERE e.recorded_at >= now() - make_interval(mins => $1)
		            AND e.state IN ('PAYMENT_COMPLETED', 'RESERVE_FAILED', 'PAYMENT_FAILED')) ended`,
		{ bind: [OVERVIEW_WINDOW_MINUTES], type: QueryTypes.SELECT },
	);
	const ms = (v: number | null) => (v === null ? null : Math.round(Number(v)));
	return { ended: row.ended, p50_ms: ms(row.p50), p99_ms: ms(row.p99) };
}

/** Outbox events not yet published and the age of the oldest: the relay's figure, read here so any node's console has it. */
export async function outboxFigures(db: Sequelize): Promise<OutboxBacklog> {
	const [row] = await db.query<BacklogRow>(BACKLOG_SQL, { type: QueryTypes.SELECT });
	return backlogOf(row);
}
