/**
 * The outbox's SQL outside a relay's batch (the batch is lib/outbox/slot-lease.ts):
 * the slots of a topic, the backlog, and the retention sweep. The outbox is read
 * as a log (migration 0008, docs/outbox-as-a-log.md): an event is sent once its
 * slot's position has reached its id.
 */
import type { SqlRunner } from "../platform/clients/raw-pg-pool";

/** Names the relay's sessions in pg_stat_activity: its LISTEN connection and the session holding its slots. */
export const RELAY_APPLICATION_NAME = "orders-outbox-relay";
/** Keys are spread over this many slots per topic (migration 0008's `slot` column). */
export const OUTBOX_SLOTS = 64;

/** Makes the topic's slots known (from position 0: nothing of a new topic was sent). */
export async function ensurePositions(db: SqlRunner, topic: string): Promise<void> {
	await db.query(
		`INSERT INTO outbox_positions (topic, slot, position) SELECT $1, s, 0 FROM generate_series(0, ${OUTBOX_SLOTS - 1}) AS s ON CONFLICT DO NOTHING`,
		[topic],
	);
}

export interface OutboxBacklog {
	unsent: number;
	oldest_unsent_age_ms: number | null;
}

/**
 * How many events wait, and for how long the oldest has: the rows after their
 * slot's position, for every topic a relay has started (also read by the console, through Sequelize).
 */
export const BACKLOG_SQL = `SELECT count(o.id)::int AS unsent,
		(extract(epoch FROM clock_timestamp() - min(o.created_at)) * 1000)::bigint AS oldest_unsent_age_ms
	FROM (SELECT topic, min(position) AS floor, array_agg(position ORDER BY slot) AS after FROM outbox_positions GROUP BY topic) p
	JOIN outbox o ON o.topic = p.topic AND o.id > p.floor AND o.id > p.after[o.slot + 1]`;

export type BacklogRow = { unsent: number; oldest_unsent_age_ms: string | null };

export const backlogOf = (row: BacklogRow): OutboxBacklog => ({
	unsent: row.unsent,
	oldest_unsent_age_ms: row.oldest_unsent_age_ms === null ? null : Number(row.oldest_unsent_age_ms),
});

export async function readBacklog(db: SqlRunner): Promise<OutboxBacklog> {
	const { rows } = await db.query<BacklogRow>(BACKLOG_SQL);
	return backlogOf(rows[0]);
}

/**
 * Deletes sent rows created more than `retentionMs` ago, and batch records as
 * old, `chunk` rows per statement so no statement holds many locks or runs long;
 * unsent rows are never touched. Returns the number of outbox rows deleted.
 */
export async function deleteSentBefore(db: SqlRunner, retentionMs: number, chunk = 5_000): Promise<number> {
	let total = 0;
	for (;;) {
		const result = await db.query(
			`DELETE FROM outbox WHERE id IN (
				SELECT o.id FROM outbox o JOIN outbox_positions p ON p.topic = o.topic AND p.slot = o.slot
				WHERE o.created_at < now() - make_interval(secs => $1::double precision / 1000) AND o.id <= p.position
				LIMIT $2
			)`,
			[retentionMs, chunk],
		);
		total += result.rowCount ?? 0;
		if ((result.rowCount ?? 0) < chunk) break;
	}
	await db.query("DELETE FROM outbox_batches WHERE sent_at < now() - make_interval(secs => $1::double precision / 1000)", [retentionMs]);
	return total;
}
