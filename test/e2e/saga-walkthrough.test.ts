/**
 * The original service's walkthrough, from the outside: REST for orders, Kafka
 * for the saga events, all six services on one node over the real parts.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import type { Producer } from "kafkajs";
import { ALL_SERVICES, kafkaBrokers, loadConfig } from "../../lib/platform/config/config";
import { contractTopics, createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { encodeSagaMessage } from "../../domain/saga-message";
import { freePort } from "../../dev/cluster/ports";
import { startNode } from "../support/cluster";
import { readTopics, type ReadMessage } from "../../dev/cluster/topic-reader";
import { waitFor } from "../support/wait";

const run = randomUUID().slice(0, 8);
const env = { ORDER_TOPIC: `wt-${run}-order`, RESERVE_TOPIC: `wt-${run}-reserve`, PAYMENT_TOPIC: `wt-${run}-payment` };
const exampleBody = { order_products: [{ product_id: 3, count: 1 }, { product_id: 4, count: 2 }], user_id: 1, description: "Hello world" };

describe("saga walkthrough over REST and Kafka", () => {
	let node: ServiceBroker;
	let api: string;
	let producer: Producer;
	let orderEvents: { messages: ReadMessage[]; stop(): Promise<void> };

	beforeAll(async () => {
		const port = await freePort();
		api = `http://127.0.0.1:${port}/api`;
		const cfg = loadConfig({ ...process.env, ...env });
		const kafka = createKafka(kafkaBrokers(cfg), `walkthrough-${run}`);
		await ensureTopics(kafka, contractTopics(cfg), 3);
		node = await startNode([...ALL_SERVICES], { ...env, PORT: String(port) });
		producer = kafka.producer();
		await producer.connect();
		orderEvents = await readTopics(kafka, [env.ORDER_TOPIC]);
	});

	afterAll(async () => {
		await orderEvents?.stop();
		await producer?.disconnect();
		await node?.stop();
	});

	async function createOrder(): Promise<number> {
		const res = await fetch(`${api}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(exampleBody) });
		expect(res.status).toBe(201);
		return ((await res.json()) as { order_id: number }).order_id;
	}

	const send = (topic: string, orderId: number, status: string, idempotentKey: string = randomUUID()) =>
		producer.send({ topic, acks: -1, messages: [{ key: String(orderId), value: encodeSagaMessage({ idempotent_key: idempotentKey, order_id: orderId, status }) }] });

	async function states(orderId: number): Promise<string[]> {
		const res = await fetch(`${api}/orders/${orderId}/states`);
		const body = (await res.json()) as { order_states: Array<{ state: string }> };
		return body.order_states.map((s) => s.state);
	}

	const statesReach = (orderId: number, last: string) =>
		waitFor(async () => {
			const history = await states(orderId);
			return history[history.length - 1] === last ? history : undefined;
		}, `order ${orderId} reaching ${last}`);

	const orderEvent = (orderId: number) =>
		waitFor(() => orderEvents.messages.find((m) => m.key === String(orderId)), `the order event of ${orderId}`);

	it("publishes the order event, records RESERVE_FAILED, and scopes idempotent keys to their order", async () => {
		const first = await createOrder();
		const event = await orderEvent(first);
		const value = JSON.parse(event.value ?? "{}");
		expect(value).toEqual({ idempotent_key: expect.stringMatching(/^[0-9a-f-]{36}$/), order_id: first, status: "CREATED" });

		await send(env.RESERVE_TOPIC, first, "FAILED", value.idempotent_key);
		expect(await statesReach(first, "RESERVE_FAILED")).toEqual(["ORDER_CREATED", "RESERVE_FAILED"]);

		const second = await createOrder();
		await send(env.RESERVE_TOPIC, second, "CREATED", value.idempotent_key);
		expect(await statesReach(second, "RESERVE_CREATED")).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
		const order = (await (await fetch(`${api}/orders/${second}`)).json()) as { state: string };
		expect(order.state).toBe("RESERVE_CREATED");
	});

	const chains: Array<{ name: string; steps: Array<[keyof typeof env, string]>; expected: string[] }> = [
		{
			name: "reserve, payment created, completed",
			steps: [["RESERVE_TOPIC", "CREATED"], ["PAYMENT_TOPIC", "CREATED"], ["PAYMENT_TOPIC", "COMPLETED"]],
			expected: ["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"],
		},
		{
			name: "reserve, payment created, failed",
			steps: [["RESERVE_TOPIC", "CREATED"], ["PAYMENT_TOPIC", "CREATED"], ["PAYMENT_TOPIC", "FAILED"]],
			expected: ["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_FAILED"],
		},
		{
			name: "reserve, payment failed",
			steps: [["RESERVE_TOPIC", "CREATED"], ["PAYMENT_TOPIC", "FAILED"]],
			expected: ["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_FAILED"],
		},
		{ name: "reserve failed", steps: [["RESERVE_TOPIC", "FAILED"]], expected: ["ORDER_CREATED", "RESERVE_FAILED"] },
	];

	it.each(chains)("ends the chain '$name' in its terminal state", async ({ steps, expected }) => {
		const orderId = await createOrder();
		for (const [topic, status] of steps) await send(env[topic], orderId, status);
		expect(await statesReach(orderId, expected[expected.length - 1])).toEqual(expected);
	});
});
