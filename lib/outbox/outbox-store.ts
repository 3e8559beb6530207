/**
 * The SQL of the transactional outbox relay: claim a batch and mark it sent
 * (committed only after the send), and delete sent rows after their retention.
 * Plain `pg` on the node's pool (lib/platform/clients/raw-pg-pool.ts), because
 * a claim holds its row locks on one connection for the whole claim and
 * mark -> send -> commit.
 */
import type { ClientBase, QueryResult } from "pg";
import type { SqlRunner } from "../platform/clients/raw-pg-pool";

/** Names the relay's sessions in pg_stat_activity: its LISTEN connection, and a pooled connection while it holds a claim. */
export const RELAY_APPLICATION_NAME = "orders-outbox-relay";

export interface OutboxRow {
	topic: string;
	message_key: string;
	/** jsonb's text of the payload: encoded for Kafka by lib/outbox/message-value.ts, never parsed by `pg`. */
	payload: string;
}

/**
 * Locks up to `limit` unsent rows nobody else holds, oldest first, and marks
 * sent (in this still open transaction) those that may be published now: a row
 * whose key has an earlier unsent row outside this claim (held by another
 * relay, or left out by the limit) waits, so the events of one key reach Kafka
 * in creation order even with several relays. Rows held but not ready stay
 * locked and unmarked until this transaction ends, which keeps other relays off
 * them too. The mark becomes visible only if the transaction commits, which the
 * relay does after the broker acknowledged the batch; a failed send rolls it back.
 */
const claimSql = (limit: number, topics: string) => `
	WITH claimed AS (
		SELECT id, topic, message_key, payload
		FROM outbox
		WHERE sent_at IS NULL AND topic = ANY(${topics})
		ORDER BY id
		LIMIT ${limit}
		FOR UPDATE SKIP LOCKED
	), checked AS (
		SELECT c.id, c.topic, c.message_key, c.payload, NOT EXISTS (
			SELECT 1 FROM outbox e
			WHERE e.message_key = c.message_key AND e.id < c.id AND e.sent_at IS NULL
				AND e.id NOT IN (SELECT id FROM claimed)
			OFFSET 0 -- keeps this a per-row index probe instead of a join over every unsent row
		) AS ready
		FROM claimed c
	), marked AS (
		UPDATE outbox o SET sent_at = now() FROM checked c WHERE o.id = c.id AND c.ready
	)
	SELECT topic, message_key, payload::text AS payload, ready FROM checked ORDER BY id`;

/**
 * The statistics of the outbox are often stale (a backlog grows in seconds), and
 * then the planner reads and sorts every unsent row for each batch: draining
 * becomes quadratic. These settings keep the claim on the partial indexes
 * (ordered scan of outbox_unsent, probes of outbox_unsent_key), so a batch costs
 * about the same however many rows wait (measured up to 200,000).
 */
const CLAIM_PLAN = "SET LOCAL jit = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off";
/** The claim runs on a connection of the node's pool: for its duration, pg_stat_activity shows it as the relay's. */
const CLAIM_NAME = `SET LOCAL application_name = '${RELAY_APPLICATION_NAME}'`;

export interface Claim {
	/** Rows to publish now, in creation order. */
	ready: OutboxRow[];
	/** Rows locked but waiting for an earlier event of their key. */
	held: number;
}

/**
 * Opens the claim transaction, claims and marks, in ONE round trip: the
 * statements go together over the simple query protocol, which takes no bind
 * parameters, so the limit (checked integer) and the topics (quoted by pg) are
 * written into the SQL. The relay then sends the ready rows and commits.
 */
export async function openClaim(client: ClientBase, limit: number, topics: string[]): Promise<Claim> {
	if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`outbox claim: limit must be a positive integer, got ${limit}`);
	const topicArray = `ARRAY[${topics.map((topic) => client.escapeLiteral(topic)).join(", ")}]::text[]`;
	// pg answers a multi-statement text with one result per statement; its types know only one.
	const results = (await client.query(`BEGIN; ${CLAIM_NAME}; ${CLAIM_PLAN}; ${claimSql(limit, topicArray)}`)) as unknown as Array<QueryResult<OutboxRow & { ready: boolean }>>;
	const rows = results[results.length - 1].rows;
	const ready = rows.filter((row) => row.ready);
	return { ready, held: rows.length - ready.length };
}

export interface OutboxBacklog {
	unsent: number;
	oldest_unsent_age_ms: number | null;
}

/** How many events wait, and for how long the oldest has (also read by the console, through Sequelize). */
export const BACKLOG_SQL = `SELECT count(*)::int AS unsent,
		(extract(epoch FROM clock_timestamp() - min(created_at)) * 1000)::bigint AS oldest_unsent_age_ms
	FROM outbox WHERE sent_at IS NULL`;

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
 * Deletes rows sent more than `retentionMs` ago, `chunk` rows per statement so
 * no statement holds many locks or runs long; unsent rows are never touched.
 * Returns the number of rows deleted.
 */
export async function deleteSentBefore(db: SqlRunner, retentionMs: number, chunk = 5_000): Promise<number> {
	let total = 0;
	for (;;) {
		const result = await db.query(
			`DELETE FROM outbox WHERE id IN (
				SELECT id FROM outbox
				WHERE sent_at IS NOT NULL AND sent_at < now() - make_interval(secs => $1::double precision / 1000)
				LIMIT $2
			)`,
			[retentionMs, chunk],
		);
		total += result.rowCount ?? 0;
		if ((result.rowCount ?? 0) < chunk) return total;
	}
}
