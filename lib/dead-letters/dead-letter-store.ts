/**
 * The dead_letters table and the audit of redrives (migration 0006): recording
 * a dead letter, the listing and summary, and the rows a redrive locks, marks
 * and audits. The redrive itself is ./redrive.ts.
 */
import type { IHeaders } from "kafkajs";
import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import type { LetterStatus, RedriveSelector } from "../../domain/dead-letter-input";
import type { DeadLetterReason } from "../../domain/dead-letter-reason";
import { encodeHeaders } from "../platform/clients/message-headers";

/** A consumed message that cannot be applied, with why: what a listener sends to `<topic>.dlq` and records here. */
export interface DeadLetter {
	topic: string;
	partition: number;
	offset: string;
	key: Buffer | null;
	value: Buffer | null;
	headers: IHeaders;
	reason: DeadLetterReason;
	error: string;
	/** The order and key the message named; absent when it was malformed. */
	order_id?: number;
	idempotent_key?: string;
}


/** A dead letter as the table holds it. */
export interface StoredLetter {
	id: string;
	topic: string;
	partition: number;
	offset: string;
	reason: string;
	error: string;
	order_id: string | null;
	idempotent_key: string | null;
	message_key: Buffer | null;
	message_value: Buffer | null;
	/** header name -> base64 value */
	message_headers: Record<string, string>;
	dead_lettered_at: Date;
	redrive_outcome: RedriveOutcome["outcome"] | null;
	redrive_reason: string | null;
	redriven_at: Date | null;
}

/** What a redrive did with one letter. */
export interface RedriveOutcome {
	outcome: "applied" | "duplicate" | "parked" | "rejected";
	/** Why it was rejected again (a dead-letter reason, or `unknown_topic`). */
	reason?: string;
}

/** One letter of a redrive, as the audit keeps it: which letter, why it had been dead-lettered, what the redrive did. */
export type RedrivenLetter = { topic: string; partition: number; offset: string; order_id: number | null; dead_letter_reason: string } & RedriveOutcome;

/** One row of the audit. */
export interface RedriveRecord {
	id: string;
	who: string;
	at: Date;
	selector: RedriveSelector;
	letters: RedrivenLetter[];
}

const COLUMNS = `id, source_topic AS topic, source_partition AS partition, source_offset::text AS "offset", reason, error, order_id,
	idempotent_key, message_key, message_value, message_headers, dead_lettered_at, redrive_outcome, redrive_reason, redriven_at`;

/** Letters whose message has no effect yet: never redriven, or rejected again. */
const STILL_DEAD = "(redrive_outcome IS NULL OR redrive_outcome = 'rejected')";
const STATUS_CONDITION: Record<LetterStatus, string> = { dead: STILL_DEAD, redriven: `NOT ${STILL_DEAD}`, all: "true" };

/**
 * Records dead letters once each, keyed by where they were consumed: a redelivery
 * after a crash finds its row and leaves it. A letter that had been redriven and
 * is dead-lettered again (a redriven message parked, then out of its window) is
 * dead again, with its new reason.
 */
export async function recordDeadLetters(db: Sequelize, letters: DeadLetter[]): Promise<void> {
	if (letters.length === 0) return;
	// One row per source message: ON CONFLICT DO UPDATE cannot touch a row twice in one statement.
	const unique = new Map(letters.map((l) => [`${l.topic}/${l.partition}/${l.offset}`, l]));
	const rows = [...unique.values()].map((l) => ({
		topic: l.topic,
		partition: l.partition,
		offset: l.offset,
		reason: l.reason,
		error: l.error,
		order_id: l.order_id ?? null,
		idempotent_key: l.idempotent_key ?? null,
		key: l.key?.toString("base64") ?? null,
		value: l.value?.toString("base64") ?? null,
		headers: encodeHeaders(l.headers),
	}));
	await db.query(
		`INSERT INTO dead_letters (source_topic, source_partition, source_offset, reason, error, order_id, idempotent_key,
		                           message_key, message_value, message_headers)
		 SELECT topic, partition, "offset"::bigint, reason, error, order_id, idempotent_key, decode(key, 'base64'), decode(value, 'base64'), headers
		   FROM jsonb_to_recordset($1::jsonb) AS x(topic text, partition integer, "offset" text, reason text, error text, order_id bigint,
		                                           idempotent_key uuid, key text, value text, headers jsonb)
		 ON CONFLICT (source_topic, source_partition, source_offset) DO UPDATE
		    SET reason = excluded.reason, error = excluded.error, dead_lettered_at = now(),
		        redrive_outcome = NULL, redrive_reason = NULL, redriven_at = NULL
		  WHERE dead_letters.redrive_outcome IS NOT NULL`,
		{ bind: [JSON.stringify(rows)], type: QueryTypes.INSERT },
	);
}

export interface LetterFilter {
	topic?: string;
	reason?: string;
	orderId?: number;
	status: LetterStatus;
	/** Only letters listed below this id (the cursor). */
	beforeId?: number;
	limit: number;
}

/** Newest first. */
export function listDeadLetters(db: Sequelize, f: LetterFilter): Promise<StoredLetter[]> {
	return db.query<StoredLetter>(
		`SELECT ${COLUMNS} FROM dead_letters
		  WHERE ($1::text IS NULL OR source_topic = $1) AND ($2::text IS NULL OR reason = $2) AND ($3::bigint IS NULL OR order_id = $3)
		    AND ($4::bigint IS NULL OR id < $4) AND ${STATUS_CONDITION[f.status]}
		  ORDER BY id DESC LIMIT $5`,
		{ bind: [f.topic ?? null, f.reason ?? null, f.orderId ?? null, f.beforeId ?? null, f.limit], type: QueryTypes.SELECT },
	);
}

/** How many letters are still dead, per topic and reason. */
export function countDeadLetters(db: Sequelize): Promise<Array<{ topic: string; reason: string; count: number }>> {
	return db.query(
		`SELECT source_topic AS topic, reason, count(*)::int AS count FROM dead_letters WHERE ${STILL_DEAD} GROUP BY 1, 2 ORDER BY 1, 2`,
		{ type: QueryTypes.SELECT },
	);
}

/**
 * Locks the letters a redrive names, oldest first. One letter is waited for (a
 * second redrive of it then finds what the first did); an order's or a reason's
 * letters are those still dead, never tried first, skipping any that another
 * redrive holds.
 */
export function lockLetters(db: Sequelize, t: Transaction, selector: RedriveSelector, limit: number): Promise<StoredLetter[]> {
	const query = (where: string, bind: unknown[]) =>
		db.query<StoredLetter>(`SELECT ${COLUMNS} FROM dead_letters WHERE ${where}`, { bind, transaction: t, type: QueryTypes.SELECT });
	if ("offset" in selector) {
		return query("source_topic = $1 AND source_partition = $2 AND source_offset = $3::bigint FOR UPDATE", [selector.topic, selector.partition, selector.offset]);
	}
	const bulk = (limitParam: string) => `${STILL_DEAD} ORDER BY redriven_at NULLS FIRST, id LIMIT ${limitParam} FOR UPDATE SKIP LOCKED`;
	if ("order_id" in selector) return query(`order_id = $1 AND ${bulk("$2")}`, [selector.order_id, limit]);
	return query(`source_topic = $1 AND reason = $2 AND ${bulk("$3")}`, [selector.topic, selector.reason, limit]);
}

/** Marks each letter with what its redrive did and writes the audit row, in the redrive's transaction. */
export async function recordRedrive(db: Sequelize, t: Transaction, who: string, selector: RedriveSelector, letters: RedrivenLetter[]): Promise<RedriveRecord> {
	if (letters.length > 0) {
		await db.query(
			`UPDATE dead_letters d SET redrive_outcome = x.outcome, redrive_reason = x.reason, redriven_at = now()
			   FROM jsonb_to_recordset($1::jsonb) AS x(topic text, partition integer, "offset" text, outcome text, reason text)
			  WHERE d.source_topic = x.topic AND d.source_partition = x.partition AND d.source_offset = x."offset"::bigint`,
			{ bind: [JSON.stringify(letters)], transaction: t, type: QueryTypes.UPDATE },
		);
	}
	const [row] = await db.query<{ id: string; at: Date }>(
		"INSERT INTO dead_letter_redrives (who, selector, letters) VALUES ($1, $2::jsonb, $3::jsonb) RETURNING id, at",
		{ bind: [who, JSON.stringify(selector), JSON.stringify(letters)], transaction: t, type: QueryTypes.SELECT },
	);
	return { id: row.id, who, at: row.at, selector, letters };
}

/** The audit, newest first. */
export function listRedrives(db: Sequelize, beforeId: number | undefined, limit: number): Promise<RedriveRecord[]> {
	return db.query<RedriveRecord>(
		"SELECT id, who, at, selector, letters FROM dead_letter_redrives WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT $2",
		{ bind: [beforeId ?? null, limit], type: QueryTypes.SELECT },
	);
}
