/**
 * The database figures of the console's overview, each one statement that
 * stays fast with millions of orders: the recent history is a range of the
 * index order_states (recorded_at, state) (migration 0007), the outbox backlog
 * the partial index of unsent rows.
 */
import { QueryTypes, type Sequelize, type Transaction, type TransactionOptions } from "sequelize";
import { BACKLOG_SQL, backlogOf, type BacklogRow, type OutboxBacklog } from "../outbox";

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

/**
 * The overview reads a few thousand index entries: on a busy machine starting
 * parallel workers or compiling the plan (JIT) costs far more than the reads.
 */
const SMALL_READ = "SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0";

/** Runs `read` in a read-only transaction planned for a small read. */
export function smallRead<T>(db: Sequelize, read: (t: Transaction) => Promise<T>): Promise<T> {
	return db.transaction({ readOnly: true } as TransactionOptions, async (t) => {
		await db.query(SMALL_READ, { transaction: t });
		return read(t);
	});
}

/** Orders created, completed and failed per minute over the window, oldest first; minutes without any are zeros. */
export async function ordersPerMinute(db: Sequelize, t: Transaction): Promise<MinuteCounts[]> {
	const rows = await db.query<{ minute: Date; now_minute: Date; created: number; completed: number; failed: number }>(
		`SELECT date_trunc('minute', now()) AS now_minute, c.* FROM (SELECT 1) one LEFT JOIN (
		   SELECT date_trunc('minute', recorded_at) AS minute,
		          count(*) FILTER (WHERE state = 'ORDER_CREATED')::int AS created,
		          count(*) FILTER (WHERE state = 'PAYMENT_COMPLETED')::int AS completed,
		          count(*) FILTER (WHERE state IN ('RESERVE_FAILED', 'PAYMENT_FAILED'))::int AS failed
		     FROM order_states
		    WHERE recorded_at >= date_trunc('minute', now()) - make_interval(mins => $1 - 1)
		      AND state IN ('ORDER_CREATED', 'PAYMENT_COMPLETED', 'RESERVE_FAILED', 'PAYMENT_FAILED')
		    GROUP BY 1) c ON true`,
		{ bind: [OVERVIEW_WINDOW_MINUTES], type: QueryTypes.SELECT, transaction: t },
	);
	const counted = new Map(rows.filter((r) => r.minute).map((r) => [r.minute.getTime(), r]));
	const last = rows[0].now_minute.getTime();
	return Array.from({ length: OVERVIEW_WINDOW_MINUTES }, (_, i) => {
		const minute = last - (OVERVIEW_WINDOW_MINUTES - 1 - i) * 60_000;
		const row = counted.get(minute);
		return { minute: new Date(minute).toISOString(), created: row?.created ?? 0, completed: row?.completed ?? 0, failed: row?.failed ?? 0 };
	});
}

/** p50 and p99 of ORDER_CREATED to the terminal state, for the sagas that ended in the window. */
export async function sagaDurations(db: Sequelize, t: Transaction): Promise<SagaDurations> {
	const [row] = await db.query<{ ended: number; p50: number | null; p99: number | null }>(
		`SELECT count(*)::int AS ended,
		        percentile_cont(0.5) WITHIN GROUP (ORDER BY d) AS p50,
		        percentile_cont(0.99) WITHIN GROUP (ORDER BY d) AS p99
		   FROM (SELECT extract(epoch FROM e.recorded_at - c.recorded_at) * 1000 AS d
		           FROM order_states e
		           JOIN order_states c ON c.order_id = e.order_id AND c.state = 'ORDER_CREATED'
		          WHERE e.recorded_at >= now() - make_interval(mins => $1)
		            AND e.state IN ('PAYMENT_COMPLETED', 'RESERVE_FAILED', 'PAYMENT_FAILED')) ended`,
		{ bind: [OVERVIEW_WINDOW_MINUTES], type: QueryTypes.SELECT, transaction: t },
	);
	const ms = (v: number | null) => (v === null ? null : Math.round(Number(v)));
	return { ended: row.ended, p50_ms: ms(row.p50), p99_ms: ms(row.p99) };
}

/** Outbox events not yet published and the age of the oldest: the relay's figure, read here so any node's console has it. */
export async function outboxFigures(db: Sequelize, t: Transaction): Promise<OutboxBacklog> {
	const [row] = await db.query<BacklogRow>(BACKLOG_SQL, { type: QueryTypes.SELECT, transaction: t });
	return backlogOf(row);
}
