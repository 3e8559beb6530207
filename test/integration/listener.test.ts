/** The reserve and payment listeners against the real broker, PostgreSQL and Redis. */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import type { Pool } from "pg";
import type { OrderState } from "../../domain/order-state";
import { deadLetterTopic } from "../../lib/platform/clients/kafka";
import { startNode } from "../support/cluster";
import { createOrder, historyOf, testPool, unknownOrderId } from "../support/orders-fixture";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { readTopics, type ReadMessage } from "../../dev/cluster/topic-reader";
import { waitFor } from "../support/wait";

const topics = useSagaTopics();

describe("reserve and payment listeners", () => {
	let broker: ServiceBroker;
	let pool: Pool;
	let dlq: { messages: ReadMessage[]; stop(): Promise<void> };

	beforeAll(async () => {
		pool = testPool();
		await topics.setUp();
		broker = await startNode(["state", "reserve-listener", "payment-listener"]);
		dlq = await readTopics(topics.kafka, [deadLetterTopic(topics.reserve), deadLetterTopic(topics.payment)]);
	});
	afterAll(async () => {
		await dlq?.stop();
		await broker?.stop();
		await topics.tearDown();
		await pool?.end();
	});

	const statesBecome = (orderId: number, states: OrderState[]) =>
		waitFor(async () => {
			const history = await historyOf(pool, orderId);
			return JSON.stringify(history.states) === JSON.stringify(states) ? history : undefined;
		}, `order ${orderId} to have ${states.join(",")}`);

	/** Sends `value` tagged with a unique header, then a valid message on the same key; returns its dead letter. */
	async function deadLetterOf(topic: string, value: string | null, key: string): Promise<ReadMessage> {
		const tag = randomUUID();
		await topics.send(topic, value, key, { "test-tag": tag });
		// The listener goes on: a valid message behind it on the same partition is applied.
		const next = await createOrder(pool);
		await topics.send(topics.reserve, sagaMessage(next, "CREATED"), key);
		await statesBecome(next, ["ORDER_CREATED", "RESERVE_CREATED"]);
		const letter = await waitFor(() => dlq.messages.find((m) => m.headers["test-tag"] === tag), `the dead letter tagged ${tag}`);
		expect(letter).toMatchObject({ topic: deadLetterTopic(topic), key, value });
		expect(letter.headers).toMatchObject({ source_topic: topic });
		expect(Number(letter.headers.source_partition)).toBeGreaterThanOrEqual(0);
		expect(letter.headers.source_offset).toMatch(/^\d+$/);
		expect(letter.headers.error.length).toBeGreaterThan(0);
		return letter;
	}

	it.each([
		["not JSON", "{oops"],
		["a JSON array", "[1]"],
		["no idempotent_key", JSON.stringify({ order_id: 1, status: "CREATED" })],
		["an idempotent_key that is not a UUID", JSON.stringify({ idempotent_key: "k1", order_id: 1, status: "CREATED" })],
		["order_id as a string", JSON.stringify({ idempotent_key: randomUUID(), order_id: "1", status: "CREATED" })],
		["a negative order_id", JSON.stringify({ idempotent_key: randomUUID(), order_id: -1, status: "CREATED" })],
		["an unknown status", JSON.stringify({ idempotent_key: randomUUID(), order_id: 1, status: "COMPLETED" })],
		["an empty value", ""],
	])("dead-letters %s as malformed and goes on", async (_what, value) => {
		const letter = await deadLetterOf(topics.reserve, value, `k-${randomUUID()}`);
		expect(letter.headers.reason).toBe("malformed");
	});

	it("dead-letters a message without value as malformed", async () => {
		const letter = await deadLetterOf(topics.reserve, null, `k-${randomUUID()}`);
		expect(letter.headers.reason).toBe("malformed");
	});

	it("dead-letters an unknown order", async () => {
		const letter = await deadLetterOf(topics.reserve, sagaMessage(await unknownOrderId(pool), "CREATED"), `k-${randomUUID()}`);
		expect(letter.headers.reason).toBe("unknown_order");
	});

	it("dead-letters a forbidden transition and leaves the history as it was", async () => {
		const orderId = await createOrder(pool, ["RESERVE_CREATED"]);
		const letter = await deadLetterOf(topics.reserve, sagaMessage(orderId, "FAILED"), String(orderId));
		expect(letter.headers.reason).toBe("invalid_transition");
		expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
	});

	it("dead-letters a key reused with another status as idempotency_conflict", async () => {
		const orderId = await createOrder(pool);
		const key = randomUUID();
		await topics.send(topics.reserve, sagaMessage(orderId, "CREATED", key), String(orderId));
		await statesBecome(orderId, ["ORDER_CREATED", "RESERVE_CREATED"]);
		const letter = await deadLetterOf(topics.reserve, sagaMessage(orderId, "FAILED", key), String(orderId));
		expect(letter.headers.reason).toBe("idempotency_conflict");
		expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
	});

	it("dead-letters a parked message whose order took another branch as invalid_transition", async () => {
		const orderId = await createOrder(pool);
		const tag = randomUUID();
		await topics.send(topics.payment, sagaMessage(orderId, "CREATED"), String(orderId), { "test-tag": tag });
		await waitFor(async () => ((await pool.query("SELECT 1 FROM parked_messages WHERE order_id = $1", [orderId])).rowCount ? true : undefined), "the parked message");
		await topics.send(topics.reserve, sagaMessage(orderId, "FAILED"), String(orderId));
		const letter = await waitFor(() => dlq.messages.find((m) => m.headers["test-tag"] === tag), "the parked message's dead letter");
		expect(letter.topic).toBe(deadLetterTopic(topics.payment));
		expect(letter.headers).toMatchObject({ reason: "invalid_transition", source_topic: topics.payment });
		expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_FAILED"]);
		await waitFor(async () => ((await pool.query("SELECT 1 FROM parked_messages WHERE order_id = $1", [orderId])).rowCount === 0 ? true : undefined), "the parked row to go");
	});

	it("records a message delivered three times once", async () => {
		const orderId = await createOrder(pool);
		const value = sagaMessage(orderId, "CREATED");
		for (let i = 0; i < 3; i++) await topics.send(topics.reserve, value, String(orderId));
		// A later message on the same partition (same key) tells that all three copies were consumed.
		const next = await createOrder(pool);
		await topics.send(topics.reserve, sagaMessage(next, "FAILED"), String(orderId));
		await statesBecome(next, ["ORDER_CREATED", "RESERVE_FAILED"]);
		expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
		const keys = await pool.query("SELECT 1 FROM applied_messages WHERE order_id = $1 AND state = 'RESERVE_CREATED'", [orderId]);
		expect(keys.rowCount).toBe(1);
		// The table, not only the .dlq topic: its rows are committed before the listener moves past a message,
		// while the test's .dlq consumer may not have read a letter yet.
		expect((await pool.query("SELECT 1 FROM dead_letters WHERE order_id = $1", [orderId])).rowCount).toBe(0);
		expect(dlq.messages.filter((m) => m.value === value)).toEqual([]);
	});

	it("applies PAYMENT_CREATED and PAYMENT_COMPLETED sent before RESERVE_CREATED after it, in order", async () => {
		const orderId = await createOrder(pool);
		await topics.send(topics.payment, sagaMessage(orderId, "CREATED"), String(orderId));
		await topics.send(topics.payment, sagaMessage(orderId, "COMPLETED"), String(orderId));
		await waitFor(async () => ((await pool.query("SELECT 1 FROM parked_messages WHERE order_id = $1", [orderId])).rowCount === 2 ? true : undefined), "both payment messages parked");
		expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED"]);
		await topics.send(topics.reserve, sagaMessage(orderId, "CREATED"), String(orderId));
		await statesBecome(orderId, ["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"]);
		expect((await historyOf(pool, orderId)).current).toBe("PAYMENT_COMPLETED");
		expect((await pool.query("SELECT 1 FROM parked_messages WHERE order_id = $1", [orderId])).rowCount).toBe(0);
	});
});
