import { randomUUID } from "node:crypto";
import type { Consumer } from "kafkajs";
import { createKafka, ensureTopics } from "../../lib/kafka";
import { kafkaBrokers, loadConfig } from "../../lib/config";
import { startSimulator, type Simulator } from "../../lib/saga-simulator";
import { encodeSagaMessage, parseSagaMessage } from "../../domain/saga-message";

const run = randomUUID().slice(0, 8);
const topics = { order: `sim-${run}-order`, reserve: `sim-${run}-reserve`, payment: `sim-${run}-payment` };
const kafka = createKafka(kafkaBrokers(loadConfig()), `sim-test-${run}`);

describe("saga simulator against the real broker", () => {
	let simulator: Simulator;
	let reader: Consumer;
	const received: Array<{ topic: string; key: string; status: string; order_id: number }> = [];

	beforeAll(async () => {
		await ensureTopics(kafka, Object.values(topics), 3);
		simulator = await startSimulator({ kafka, topics, groupId: `sim-${run}`, fromBeginning: true, reserveFailRate: 0, paymentRejectRate: 0, paymentFailRate: 0 });
		reader = kafka.consumer({ groupId: `sim-reader-${run}` });
		await reader.connect();
		await reader.subscribe({ topics: [topics.reserve, topics.payment], fromBeginning: true });
		await reader.run({
			eachMessage: async ({ topic, message }) => {
				const parsed = parseSagaMessage(message.value, ["CREATED", "FAILED", "COMPLETED"]);
				if (parsed.ok) received.push({ topic, key: String(message.key), status: parsed.message.status, order_id: parsed.message.order_id });
			},
		});
	});

	afterAll(async () => {
		await reader?.disconnect();
		await simulator?.stop();
	});

	it("answers an order event with reserve CREATED, then payment CREATED and COMPLETED, keyed by order_id", async () => {
		const producer = kafka.producer();
		await producer.connect();
		await producer.send({ topic: topics.order, messages: [{ key: "77", value: encodeSagaMessage({ idempotent_key: randomUUID(), order_id: 77, status: "CREATED" }) }] });
		await producer.disconnect();

		const deadline = Date.now() + 30_000;
		while (received.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

		const payment = received.filter((m) => m.topic === topics.payment).map((m) => m.status);
		expect(received.filter((m) => m.topic === topics.reserve).map((m) => m.status)).toEqual(["CREATED"]);
		expect(payment).toEqual(["CREATED", "COMPLETED"]);
		expect(received.every((m) => m.order_id === 77 && m.key === "77")).toBe(true);
		expect(simulator.stats.orders).toBe(1);
	});
});
