/**
 * The parked-message sweep talks to Kafka holding no row lock: while its dead
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
import { kafkaBrokers, loadConfig } from "../../lib/platform/config";
import { createSequelize } from "../../lib/platform/database";
import { createKafka, deadLetterTopic, ensureTopics } from "../../lib/platform/kafka";
import { applyBatch } from "../../lib/state/state-store";
import { createOrder, historyOf, testPool } from "../support/orders-fixture";
import { TEST_DATABASE_URL } from "../support/test-env";
import { waitFor } from "../support/wait";

const topic = `t-${randomUUID().slice(0, 8)}-payment`;
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

	it("holds no row lock while it sends, and the message it dead-letters is not applied meanwhile", async () => {
		const orderId = await createOrder(pool);
		const key = randomUUID();
		// PAYMENT_CREATED parked an hour ago: its predecessor (RESERVE_CREATED) is long overdue.
		await pool.query(
			`INSERT INTO parked_messages (order_id, idempotent_key, state, source_topic, source_partition, source_offset, message_value, parked_at)
			 VALUES ($1, $2, 'PAYMENT_CREATED', $3, 0, 41, $4, now() - interval '1 hour')`,
			[orderId, key, topic, Buffer.from(JSON.stringify({ idempotent_key: key, order_id: orderId, status: "CREATED" }))],
		);
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
		const sweep = sweepParked(db, held, topic, 60_000);
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
