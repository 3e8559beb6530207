/**
 * The parked-message sweep gives a message up only once every partition of its
 * predecessor's topic is consumed past the time it was parked plus the window
 * (consumer_watermarks). And it talks to Kafka holding no row lock: while its dead
 * letter waits to be sent, the order and its parked row can be locked at once
 * (NOWAIT) and a state applied to the order, which does not apply the message
 * being dead-lettered. Real PostgreSQL and Kafka; the sweep's producer is the
 * real one, held at its send until the test lets it go.
 */
import { randomUUID } from "node:crypto";
import type { Producer } from "kafkajs";
import type { Pool } from "pg";
import type { Sequelize } from "sequelize";
import { sweepParked } from "../../lib/listeners/parked-sweep";
import { kafkaBrokers, loadConfig } from "../../lib/platform/config/config";
import { createSequelize } from "../../lib/platform/clients/database";
import { createKafka, deadLetterTopic, ensureTopics } from "../../lib/platform/clients/kafka";
import { applyBatch } from "../../lib/state/state-store";
import { createOrder, historyOf, testPool } from "../support/orders-fixture";
import { TEST_DATABASE_URL } from "../support/test-env";
import { waitFor } from "../support/wait";

const run = randomUUID().slice(0, 8);
const topic = `t-${run}-payment`;
const reserve = { topic: `t-${run}-reserve`, group: `g-${run}-reserve` };
const scope = { topic, outOfOrderWindowMs: 60_000, consumers: { reserve, payment: { topic, group: `g-${run}-payment` } } };
const kafka = createKafka(kafkaBrokers(loadConfig()), `sweep-test-${topic}`);

describe("the parked-message sweep", () => {
	let pool: Pool;
	let db: Sequelize;
	let producer: Producer;

	beforeAll(async () => {
		pool = testPool();
		db = createSequelize(TEST_DATABASE_URL, 2);
		await ensureTopics(kafka, [deadLetterTopic(topic)], 1);
		producer = kafka.producer();
		await producer.connect();
	});
	afterAll(async () => {
		await producer?.disconnect();
		await db?.close();
		await pool?.end();
	});

	/** Parks a PAYMENT_CREATED of a new order an hour ago: long past its window, if its predecessor's consumer has read past it. */
	async function parkedPaymentOfAnHourAgo(): Promise<{ orderId: number; key: string }> {
		const orderId = await createOrder(pool);
		const key = randomUUID();
		await pool.query(
			`INSERT INTO parked_messages (order_id, idempotent_key, state, source_topic, source_partition, source_offset, message_value, parked_at)
			 VALUES ($1, $2, 'PAYMENT_CREATED', $3, 0, 41, $4, now() - interval '1 hour')`,
			[orderId, key, topic, Buffer.from(JSON.stringify({ idempotent_key: key, order_id: orderId, status: "CREATED" }))],
		);
		return { orderId, key };
	}

	const reserveConsumedThrough = (partition: number, through: string) =>
		pool.query(
			`INSERT INTO consumer_watermarks (topic, consumer_group, partition, consumed_through) VALUES ($1, $2, $3, $4::timestamptz)
			 ON CONFLICT (topic, consumer_group, partition) DO UPDATE SET consumed_through = excluded.consumed_through`,
			[reserve.topic, reserve.group, partition, through],
		);

	it("keeps a parked message while any partition of its predecessor's topic is not consumed past its window", async () => {
		const { orderId, key } = await parkedPaymentOfAnHourAgo();
		// Partition 0 is caught up; partition 1 exists but its consumer has told nothing (down since before).
		await reserveConsumedThrough(0, "now");
		await reserveConsumedThrough(1, "-infinity");
		expect(await sweepParked(db, producer, scope)).toEqual([]);
		// Consumed up to the time it was parked, but not the window past it: a predecessor may still be behind.
		await reserveConsumedThrough(1, new Date(Date.now() - 3_600_000 + 30_000).toISOString());
		expect(await sweepParked(db, producer, scope)).toEqual([]);
		expect((await pool.query("SELECT 1 FROM parked_messages WHERE order_id = $1", [orderId])).rowCount).toBe(1);

		await reserveConsumedThrough(1, "now");
		const swept = await sweepParked(db, producer, scope);
		expect(swept.map((s) => [s.order_id, s.idempotent_key, s.letter.reason])).toEqual([[String(orderId), key, "out_of_order"]]);
	});

	it("holds no row lock while it sends, and the message it dead-letters is not applied meanwhile", async () => {
		// Its predecessor (RESERVE_CREATED) is long overdue: the reserve consumer is caught up.
		const { orderId, key } = await parkedPaymentOfAnHourAgo();
		await reserveConsumedThrough(0, "now");
		await reserveConsumedThrough(1, "now");
		let release: () => void = () => undefined;
		let sending = false;
		const held: Producer = {
			...producer,
			send: async (record) => {
				sending = true;
				await new Promise<void>((go) => (release = go));
				return producer.send(record);
			},
		};
		const sweep = sweepParked(db, held, scope);
		await waitFor(() => (sending ? true : undefined), "the sweep to send its dead letter");

		// Let the sweep go whatever happens: a failed check must not leave it holding what it holds.
		try {
			const client = await pool.connect();
			try {
				await client.query("BEGIN");
				await client.query("SELECT 1 FROM orders WHERE order_id = $1 FOR UPDATE NOWAIT", [orderId]);
				await client.query("SELECT 1 FROM parked_messages WHERE order_id = $1 FOR UPDATE NOWAIT", [orderId]);
				await client.query("ROLLBACK");
			} finally {
				client.release();
			}
			// The predecessor comes now: it is applied; the message being dead-lettered is not.
			const { outcomes } = await applyBatch(db, [{ order_id: orderId, state: "RESERVE_CREATED", idempotent_key: randomUUID() }]);
			expect(outcomes).toEqual([{ result: "applied" }]);
			expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
		} finally {
			release();
		}
		const swept = await sweep;
		expect(swept.map((s) => [s.order_id, s.idempotent_key, s.letter.reason])).toEqual([[String(orderId), key, "out_of_order"]]);
		expect((await pool.query("SELECT 1 FROM parked_messages WHERE order_id = $1", [orderId])).rowCount).toBe(0);
		expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
	});
});
