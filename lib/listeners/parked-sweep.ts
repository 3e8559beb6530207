/**
 * Parked messages that will never be applied leave parked_messages as dead
 * letters: `out_of_order` when their predecessor has not come within the
 * window, `invalid_transition` when the order took another branch meanwhile
 * (say RESERVE_FAILED after a parked PAYMENT_CREATED).
 *
 * Due rows are claimed with FOR UPDATE SKIP LOCKED together with their orders rows,
 * so several listener nodes never dead-letter one twice, and an apply of the same
 * order waits rather than apply a row being dead-lettered. The rows are deleted
 * in the same transaction, after the broker acknowledged the dead letters.
 */
import { QueryTypes, type Sequelize } from "sequelize";
import type { Producer } from "kafkajs";
import { decide, type OrderState } from "../../domain/order-state";
import { decodeHeaders, sendDeadLetters, type DeadLetter } from "./dead-letter";

interface ParkedCandidate {
	order_id: string;
	idempotent_key: string;
	state: OrderState;
	current: OrderState;
	expired: boolean;
	source_partition: number;
	source_offset: string;
	message_key: Buffer | null;
	message_value: Buffer;
	message_headers: Record<string, string>;
}

function verdict(row: ParkedCandidate, windowMs: number): DeadLetter | null {
	const decision = decide(row.current, row.state);
	const base = {
		topic: "",
		partition: row.source_partition,
		offset: String(row.source_offset),
		key: row.message_key,
		value: row.message_value,
		headers: decodeHeaders(row.message_headers),
	};
	if (decision.kind === "reject") {
		return { ...base, reason: "invalid_transition", error: `${row.state} can no longer follow order ${row.order_id}'s history (now ${row.current})` };
	}
	if (decision.kind === "early" && row.expired) {
		return { ...base, reason: "out_of_order", error: `${row.state} waited ${windowMs} ms for its predecessor; order ${row.order_id} is still ${row.current}` };
	}
	return null;
}

/** A parked message the sweep dead-lettered, with the order and key it was for. */
export interface SweptMessage {
	order_id: string;
	idempotent_key: string;
	letter: DeadLetter;
}

const CANDIDATES = `
	SELECT p.order_id, p.idempotent_key, p.state, o.state AS current,
	       p.parked_at < now() - make_interval(secs => $2::double precision / 1000) AS expired,
	       p.source_partition, p.source_offset, p.message_key, p.message_value, p.message_headers
	  FROM parked_messages p JOIN orders o USING (order_id)
	 WHERE p.source_topic = $1`;

type Doomed = { row: ParkedCandidate; letter: DeadLetter };

const doomedOf = (rows: ParkedCandidate[], topic: string, windowMs: number): Doomed[] =>
	rows.flatMap((row) => {
		const letter = verdict(row, windowMs);
		return letter ? [{ row, letter: { ...letter, topic } }] : [];
	});

/**
 * One sweep over the parked messages of `topic`; returns the ones it dead-lettered.
 * A first look takes no lock: most sweeps find nothing due, and then lock nothing.
 * The due rows are then locked (with their orders), judged again and dead-lettered.
 */
export async function sweepParked(db: Sequelize, producer: Producer, topic: string, windowMs: number, limit = 500): Promise<SweptMessage[]> {
	const seen = await db.query<ParkedCandidate>(`${CANDIDATES} ORDER BY p.parked_at LIMIT $3`, {
		bind: [topic, windowMs, limit],
		type: QueryTypes.SELECT,
	});
	const due = doomedOf(seen, topic, windowMs);
	if (due.length === 0) return [];
	return db.transaction(async (t) => {
		const locked = await db.query<ParkedCandidate>(
			`${CANDIDATES} AND (p.order_id, p.idempotent_key) IN (SELECT * FROM unnest($3::bigint[], $4::uuid[]))
			   FOR UPDATE OF p, o SKIP LOCKED`,
			{ bind: [topic, windowMs, due.map((d) => d.row.order_id), due.map((d) => d.row.idempotent_key)], transaction: t, type: QueryTypes.SELECT },
		);
		const doomed = doomedOf(locked, topic, windowMs);
		if (doomed.length === 0) return [];
		await sendDeadLetters(producer, topic, doomed.map((d) => d.letter));
		await db.query(
			`DELETE FROM parked_messages p USING unnest($1::bigint[], $2::uuid[]) AS x(order_id, idempotent_key)
			  WHERE p.order_id = x.order_id AND p.idempotent_key = x.idempotent_key`,
			{ bind: [doomed.map((d) => d.row.order_id), doomed.map((d) => d.row.idempotent_key)], transaction: t },
		);
		return doomed.map(({ row, letter }) => ({ order_id: row.order_id, idempotent_key: row.idempotent_key, letter }));
	});
}
