/** A parked message whose predecessor never comes is dead-lettered as out_of_order after the window. */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import type { Pool } from "pg";
import { deadLetterTopic } from "../../lib/platform/clients/kafka";
import { startNode } from "../support/cluster";
import { createOrder, historyOf, testPool } from "../support/orders-fixture";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { readTopics } from "../../dev/cluster/topic-reader";
import { waitFor } from "../support/wait";

const WINDOW_MS = 1_500;
process.env.OUT_OF_ORDER_WINDOW_MS = String(WINDOW_MS);
const topics = useSagaTopics();

describe("the out-of-order window", () => {
	let broker: ServiceBroker;
	let pool: Pool;

	beforeAll(async () => {
		pool = testPool();
		await topics.setUp();
		broker = await startNode(["state", "reserve-listener", "payment-listener"]);
	});
	afterAll(async () => {
		await broker?.stop();
		await topics.tearDown();
		await pool?.end();
	});

	it("dead-letters a payment whose reserve never came, with its original value, key, headers and source", async () => {
		const dlq = await readTopics(topics.kafka, [deadLetterTopic(topics.payment)]);
		try {
			const orderId = await createOrder(pool);
			const value = sagaMessage(orderId, "CREATED");
			const tag = randomUUID();
			await topics.send(topics.payment, value, String(orderId), { "test-tag": tag });
			const parked = await waitFor(async () => {
				const { rows } = await pool.query<{ source_partition: number; source_offset: string; parked_ms: string }>(
					"SELECT source_partition, source_offset, (extract(epoch FROM parked_at) * 1000)::bigint AS parked_ms FROM parked_messages WHERE order_id = $1",
					[orderId],
				);
				return rows[0];
			}, "the payment message to be parked");

			const letter = await waitFor(() => dlq.messages.find((m) => m.headers["test-tag"] === tag), "the out_of_order dead letter");
			expect(letter).toMatchObject({ key: String(orderId), value });
			expect(letter.headers).toMatchObject({
				reason: "out_of_order",
				source_topic: topics.payment,
				source_partition: String(parked.source_partition),
				source_offset: String(parked.source_offset),
			});
			expect(letter.headers.error).toContain(`${WINDOW_MS} ms`);
			// Not before the window: it was given its full chance to be applied.
			expect(letter.timestamp).toBeGreaterThanOrEqual(Number(parked.parked_ms) + WINDOW_MS);
			// The sweep records the letter and then deletes the parked row, just after the broker acknowledged it.
			await waitFor(async () => ((await pool.query("SELECT 1 FROM parked_messages WHERE order_id = $1", [orderId])).rowCount === 0 ? true : undefined), "the parked row to go");
			const { rows: recorded } = await pool.query("SELECT reason, order_id::int FROM dead_letters WHERE source_topic = $1", [topics.payment]);
			expect(recorded).toEqual([{ reason: "out_of_order", order_id: orderId }]);
			expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED"]);

			// Dead-lettered once, and the order goes on with the messages that do come.
			await topics.send(topics.reserve, sagaMessage(orderId, "CREATED"), String(orderId));
			await waitFor(async () => ((await historyOf(pool, orderId)).current === "RESERVE_CREATED" ? true : undefined), "RESERVE_CREATED");
			expect(dlq.messages.filter((m) => m.headers["test-tag"] === tag)).toHaveLength(1);
		} finally {
			await dlq.stop();
		}
	});
});
