/**
 * Shared by the outbox relay tests. Each test file runs its relays on a private
 * database (migrated like the real one): relays of other test processes never
 * see its rows, so what reaches Kafka is explained by this file's relays alone.
 */
import { randomUUID } from "node:crypto";
import type { Kafka } from "kafkajs";
import type { Pool } from "pg";
import { kafkaBrokers, loadConfig } from "../../lib/platform/config/config";
import { privateDatabase as privateTestDatabase, type PrivateDatabase } from "../../dev/cluster/private-database";
import { TEST_DATABASE_URL } from "../support/test-env";

export type { PrivateDatabase };

/** The test run's shared broker (the project's own on 9092 unless KAFKA_BROKERS says otherwise). */
export const SHARED_KAFKA = kafkaBrokers(loadConfig()).join(",");

/** A private, migrated database beside the test database. */
export const privateDatabase = (): Promise<PrivateDatabase> => privateTestDatabase(TEST_DATABASE_URL, "orders_outbox_");

export interface OutboxEvent {
	key: string;
	payload: { idempotent_key: string; order_id: number; status: string };
}

/** `perKey` events for each of `keys` orders, in creation order (event i of every key, then i + 1). */
export function orderEvents(keys: number, perKey = 1): OutboxEvent[] {
	const base = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
	const events: OutboxEvent[] = [];
	for (let i = 0; i < perKey; i++) {
		for (let k = 0; k < keys; k++) {
			const orderId = base + k;
			events.push({ key: String(orderId), payload: { idempotent_key: randomUUID(), order_id: orderId, status: "CREATED" } });
		}
	}
	return events;
}

/** Writes the events in one transaction, in array order (ids follow it), as orders.create will. */
export async function insertEvents(pool: Pool, topic: string, events: OutboxEvent[]): Promise<void> {
	await pool.query(
		`INSERT INTO outbox (topic, message_key, payload)
		 SELECT $1, k, p FROM unnest($2::text[], $3::jsonb[]) WITH ORDINALITY AS e(k, p, n) ORDER BY n`,
		[topic, events.map((e) => e.key), events.map((e) => JSON.stringify(e.payload))],
	);
}

export interface Received {
	key: string;
	value: string;
	partition: number;
	offset: string;
}

/**
 * Reads `topic` from the beginning with a fresh group until `done` says so or
 * `timeoutMs` passes; returns what arrived, in partition/offset order.
 */
export async function readTopic(kafka: Kafka, topic: string, done: (all: Received[]) => boolean, timeoutMs = 30_000): Promise<Received[]> {
	const consumer = kafka.consumer({ groupId: `outbox-test-${randomUUID()}` });
	const received: Received[] = [];
	await consumer.connect();
	try {
		await consumer.subscribe({ topic, fromBeginning: true });
		await new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, timeoutMs);
			void consumer.run({
				eachBatch: async ({ batch }) => {
					for (const m of batch.messages) {
						received.push({ key: m.key?.toString() ?? "", value: m.value?.toString() ?? "", partition: batch.partition, offset: m.offset });
					}
					if (done(received)) {
						clearTimeout(timer);
						resolve();
					}
				},
			});
		});
	} finally {
		await consumer.disconnect();
	}
	return received.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

/** The idempotent keys that arrived, each once. */
export const arrivedKeys = (received: Received[]): Set<string> =>
	new Set(received.map((m) => (JSON.parse(m.value) as { idempotent_key: string }).idempotent_key));

export const allArrived = (events: OutboxEvent[]) => (received: Received[]): boolean => {
	const keys = arrivedKeys(received);
	return events.every((e) => keys.has(e.payload.idempotent_key));
};

export async function unsentCount(pool: Pool, topic: string): Promise<number> {
	const { rows } = await pool.query<{ n: string }>("SELECT outbox_unsent($1) AS n", [topic]);
	return Number(rows[0].n);
}

/** Polls `check` until it holds or `timeoutMs` passes; returns its last answer. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000, intervalMs = 100): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (await check()) return true;
		if (Date.now() > deadline) return false;
		await new Promise((r) => setTimeout(r, intervalMs));
	}
}
