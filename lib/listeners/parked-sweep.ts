/**
 * Parked messages that will never be applied leave parked_messages as dead
 * letters: `out_of_order` once their predecessor can no longer arrive (the
 * consumers of every topic it may come from have consumed past the time the
 * message was parked plus the window, on every partition: domain/parked-expiry.ts;
 * a consumer that is down or behind holds it back, so lag never becomes a dead
 * letter), `invalid_transition` when the order took another branch meanwhile
 * (say RESERVE_FAILED after a parked PAYMENT_CREATED).
 *
 * No row lock is held while the sweep talks to Kafka (an apply of the order
 * would wait for the broker). Instead, in three steps:
 *   1. claim: a short transaction locks the due rows with their orders rows
 *      (FOR UPDATE SKIP LOCKED), judges them again and marks them claimed
 *      (claimed_by, claimed_until); the state store does not apply a claimed
 *      row, and another node's sweep skips it, so none is dead-lettered twice
 *      or both applied and dead-lettered.
 *   2. the dead letters go to Kafka, with no transaction open.
 *   3. the rows are deleted by their claim once the broker acknowledged them.
 * A sweep that dies between 1 and 3 leaves claims that end at claimed_until;
 * the rows are then judged afresh (their dead letter may go out twice: at
 * least once, like every dead letter).
 */
import { randomUUID } from "node:crypto";
import { QueryTypes, type Sequelize } from "sequelize";
import type { Producer } from "kafkajs";
import { decide, type OrderState } from "../../domain/order-state";
import { awaitedSources, predecessorGone, type SagaSource } from "../../domain/parked-expiry";
import type { DeadLetter } from "../dead-letters";
import { decodeHeaders } from "../platform/clients/message-headers";
import { sendDeadLetters } from "./dead-letter";
import { readConsumedThrough, type TopicConsumer } from "./watermarks";

interface ParkedCandidate {
	order_id: string;
	idempotent_key: string;
	state: OrderState;
	current: OrderState;
	/** Every recorded state of the order, which the parked state is judged against. */
	recorded: OrderState[];
	parked_at: Date;
	source_partition: number;
	source_offset: string;
	message_key: Buffer | null;
	message_value: Buffer;
	message_headers: Record<string, string>;
}

/** A candidate with the expiry decided from the watermarks. */
type Judged = ParkedCandidate & { expired: boolean };

function verdict(row: Judged, windowMs: number): DeadLetter | null {
	const decision = decide(row.recorded, row.state);
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
		return { ...base, reason: "out_of_order", error: `${row.state}'s predecessor did not come: the topics it comes from were consumed ${windowMs} ms past the time it was parked; order ${row.order_id} is still ${row.current}` };
	}
	return null;
}

/** A parked message the sweep dead-lettered, with the order and key it was for. */
export interface SweptMessage {
	order_id: string;
	idempotent_key: string;
	letter: DeadLetter;
}

/** What the sweep of one topic needs to know. */
export interface SweepScope {
	topic: string;
	outOfOrderWindowMs: number;
	/** The service's consumer of each saga topic, whose watermarks tell when a predecessor can no longer arrive. */
	consumers: Record<SagaSource, TopicConsumer>;
}

const CANDIDATES = `
	SELECT p.order_id, p.idempotent_key, p.state, o.state AS current, p.parked_at,
	       ARRAY(SELECT s.state::text FROM order_states s WHERE s.order_id = p.order_id) AS recorded,
	       p.source_partition, p.source_offset, p.message_key, p.message_value, p.message_headers
	  FROM parked_messages p JOIN orders o USING (order_id)
	 WHERE p.source_topic = $1 AND (p.claimed_until IS NULL OR p.claimed_until < now())`;

/** Long enough for the sends of a sweep to be acknowledged (kafkajs retries for well under this). */
const CLAIM_SECONDS = 120;

type Doomed = { row: ParkedCandidate; letter: DeadLetter };

/** How far the consumer of each saga topic has consumed all its partitions (read once per sweep: watermarks only move forward). */
type ConsumedThrough = (source: SagaSource) => Date | null;

async function consumedThrough(db: Sequelize, consumers: SweepScope["consumers"]): Promise<ConsumedThrough> {
	const [reserve, payment] = await readConsumedThrough(db, [consumers.reserve, consumers.payment]);
	return (source) => (source === "reserve" ? reserve : payment);
}

const doomedOf = (rows: ParkedCandidate[], scope: SweepScope, through: ConsumedThrough): Doomed[] =>
	rows.flatMap((row) => {
		const expired = predecessorGone(new Date(row.parked_at), scope.outOfOrderWindowMs, awaitedSources(row.recorded, row.state), through);
		const letter = verdict({ ...row, expired }, scope.outOfOrderWindowMs);
		return letter ? [{ row, letter: { ...letter, topic: scope.topic } }] : [];
	});

/**
 * One sweep over the parked messages of `scope.topic`; returns the ones it dead-lettered.
 * A first look takes no lock: most sweeps find nothing due, and then lock nothing.
 */
export async function sweepParked(db: Sequelize, producer: Producer, scope: SweepScope, limit = 500): Promise<SweptMessage[]> {
	const { topic } = scope;
	const seen = await db.query<ParkedCandidate>(`${CANDIDATES} ORDER BY p.parked_at LIMIT $2`, {
		bind: [topic, limit],
		type: QueryTypes.SELECT,
	});
	if (seen.length === 0) return [];
	const through = await consumedThrough(db, scope.consumers);
	const due = doomedOf(seen, scope, through);
	if (due.length === 0) return [];
	const claim = randomUUID();
	const doomed = await claimDue(db, scope, through, due, claim);
	if (doomed.length === 0) return [];
	await sendDeadLetters(producer, db, topic, doomed.map(({ row, letter }) => ({ ...letter, order_id: Number(row.order_id), idempotent_key: row.idempotent_key })));
	await db.query("DELETE FROM parked_messages WHERE claimed_by = $1", { bind: [claim] });
	return doomed.map(({ row, letter }) => ({ order_id: row.order_id, idempotent_key: row.idempotent_key, letter }));
}

/** Locks the due rows that are still unclaimed, judges them again, and claims the doomed ones; commits at once. */
function claimDue(db: Sequelize, scope: SweepScope, through: ConsumedThrough, due: Doomed[], claim: string): Promise<Doomed[]> {
	return db.transaction(async (t) => {
		const locked = await db.query<ParkedCandidate>(
			`${CANDIDATES} AND (p.order_id, p.idempotent_key) IN (SELECT * FROM unnest($2::bigint[], $3::uuid[]))
			   FOR UPDATE OF p, o SKIP LOCKED`,
			{ bind: [scope.topic, due.map((d) => d.row.order_id), due.map((d) => d.row.idempotent_key)], transaction: t, type: QueryTypes.SELECT },
		);
		const doomed = doomedOf(locked, scope, through);
		if (doomed.length === 0) return [];
		await db.query(
			`UPDATE parked_messages p SET claimed_by = $3, claimed_until = now() + make_interval(secs => $4)
			   FROM unnest($1::bigint[], $2::uuid[]) AS x(order_id, idempotent_key)
			  WHERE p.order_id = x.order_id AND p.idempotent_key = x.idempotent_key`,
			{ bind: [doomed.map((d) => d.row.order_id), doomed.map((d) => d.row.idempotent_key), claim, CLAIM_SECONDS], transaction: t },
		);
		return doomed;
	});
}
