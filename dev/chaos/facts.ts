/**
 * Reads a run's facts from where they are kept, not from the run's own
 * bookkeeping: orders, states, applied messages and the outbox from PostgreSQL;
 * the order topic, the consumed topics and their dead letters from Kafka, read
 * from the beginning up to their end offsets.
 */
import type { Kafka } from "kafkajs";
import type { Pool } from "pg";
import { DEAD_LETTER_HEADERS } from "../../lib/listeners/dead-letter";
import { deadLetterTopic } from "../../lib/platform/clients/kafka";
import type { OrderState } from "../../domain/order-state";
import { withAdmin } from "../cluster/kafka-admin";
import { readTopics, type ReadMessage } from "../cluster/topic-reader";
import type { Facts } from "./invariants";

export interface Topics {
	order: string;
	reserve: string;
	payment: string;
}

/** A failure guard for reading the topics back, not a timing. */
const READ_GUARD_MS = 120_000;

const endOffsets = (kafka: Kafka, topics: string[]): Promise<number> =>
	withAdmin(kafka, async (admin) => {
		let total = 0;
		for (const topic of topics) total += (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
		return total;
	});

/** Every message of `topics` written so far. */
async function readAll(kafka: Kafka, topics: string[]): Promise<ReadMessage[]> {
	const total = await endOffsets(kafka, topics);
	const reader = await readTopics(kafka, topics);
	try {
		const deadline = Date.now() + READ_GUARD_MS;
		while (reader.messages.length < total) {
			if (Date.now() > deadline) throw new Error(`read ${reader.messages.length} of ${total} messages of ${topics.join(", ")}`);
			await new Promise((r) => setTimeout(r, 250));
		}
		return [...reader.messages];
	} finally {
		await reader.stop();
	}
}

type Payload = { order_id?: unknown; idempotent_key?: unknown; status?: unknown };
const payload = (m: ReadMessage): Payload => {
	try {
		return JSON.parse(m.value ?? "") as Payload;
	} catch {
		return {};
	}
};

export async function readFacts(pool: Pool, kafka: Kafka, topics: Topics, created: Facts["created"], answers: Facts["answers"]): Promise<Facts> {
	const orders = await pool.query<{ order_id: string; key: string | null; states: OrderState[] | null }>(
		`SELECT o.order_id, o.idempotency_key AS key,
			(SELECT array_agg(s.state::text ORDER BY s.recorded_at, s.id) FROM order_states s WHERE s.order_id = o.order_id) AS states
		FROM orders o`,
	);
	const applied = await pool.query<{ order_id: string; key: string; state: OrderState }>("SELECT order_id, idempotent_key AS key, state FROM applied_messages");
	const outbox = await pool.query<{ order_id: string; key: string; sent: boolean }>(
		"SELECT payload->>'order_id' AS order_id, payload->>'idempotent_key' AS key, outbox_sent_at(o) IS NOT NULL AS sent FROM outbox o WHERE topic = $1",
		[topics.order],
	);
	const parked = await pool.query<{ n: string }>("SELECT count(*) AS n FROM parked_messages");

	const dlqs = [deadLetterTopic(topics.reserve), deadLetterTopic(topics.payment)];
	const messages = await readAll(kafka, [topics.order, topics.reserve, topics.payment, ...dlqs]);
	const of = (topic: string) => messages.filter((m) => m.topic === topic);
	const consumed = (topic: string, prefix: "RESERVE" | "PAYMENT") =>
		of(topic).map((m) => {
			const p = payload(m);
			return { orderId: Number(p.order_id), key: String(p.idempotent_key), state: `${prefix}_${String(p.status)}` as OrderState };
		});

	return {
		created,
		answers,
		orders: orders.rows.map((r) => ({ orderId: Number(r.order_id), key: r.key, states: r.states ?? [] })),
		applied: applied.rows.map((r) => ({ orderId: Number(r.order_id), key: r.key, state: r.state })),
		outbox: outbox.rows.map((r) => ({ orderId: Number(r.order_id), key: r.key, sent: r.sent })),
		published: of(topics.order).map((m) => ({ orderId: Number(payload(m).order_id), key: String(payload(m).idempotent_key) })),
		consumed: [...consumed(topics.reserve, "RESERVE"), ...consumed(topics.payment, "PAYMENT")],
		deadLetters: messages
			.filter((m) => dlqs.includes(m.topic))
			.map((m) => {
				const p = payload(m);
				return {
					orderId: typeof p.order_id === "number" ? p.order_id : null,
					key: typeof p.idempotent_key === "string" ? p.idempotent_key : null,
					reason: m.headers[DEAD_LETTER_HEADERS.reason] ?? "(none)",
				};
			}),
		parked: Number(parked.rows[0].n),
	};
}

/** Epoch ms of every saga state recorded after ORDER_CREATED: the progress recovery is measured by. */
export async function sagaProgress(pool: Pool): Promise<number[]> {
	const { rows } = await pool.query<{ t: string }>("SELECT (extract(epoch FROM recorded_at) * 1000)::bigint AS t FROM order_states WHERE state <> 'ORDER_CREATED'");
	return rows.map((r) => Number(r.t));
}
