import { randomUUID } from "node:crypto";
import { createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { kafkaBrokers, loadConfig } from "../../lib/platform/config/config";
import { startSimulator, type Simulator } from "../../dev/saga-simulator";
import { encodeSagaMessage } from "../../domain/saga-message";
import { readTopics, type ReadMessage } from "../../dev/cluster/topic-reader";
import { waitFor } from "../support/wait";

const run = randomUUID().slice(0, 8);
const topics = { order: `sim-${run}-order`, reserve: `sim-${run}-reserve`, payment: `sim-${run}-payment` };
const kafka = createKafka(kafkaBrokers(loadConfig()), `sim-test-${run}`);

describe("saga simulator against the real broker", () => {
	let simulator: Simulator;
	let answers: { messages: ReadMessage[]; stop(): Promise<void> };

	beforeAll(async () => {
		await ensureTopics(kafka, Object.values(topics), 3);
		simulator = await startSimulator({ kafka, topics, groupId: `sim-${run}`, fromBeginning: true, reserveFailRate: 0, paymentRejectRate: 0, paymentFailRate: 0 });
		answers = await readTopics(kafka, [topics.reserve, topics.payment]);
	});

	afterAll(async () => {
		await answers?.stop();
		await simulator?.stop();
	});

	it("answers an order event with reserve CREATED, then payment CREATED and COMPLETED, keyed by order_id", async () => {
		const producer = kafka.producer();
		await producer.connect();
		await producer.send({ topic: topics.order, messages: [{ key: "77", value: encodeSagaMessage({ idempotent_key: randomUUID(), order_id: 77, status: "CREATED" }) }] });
		await producer.disconnect();

		await waitFor(() => (answers.messages.length >= 3 ? true : undefined), "three answers");
		const statuses = (topic: string) => answers.messages.filter((m) => m.topic === topic).map((m) => JSON.parse(m.value ?? "{}").status);
		expect(statuses(topics.reserve)).toEqual(["CREATED"]);
		expect(statuses(topics.payment)).toEqual(["CREATED", "COMPLETED"]);
		expect(answers.messages.every((m) => m.key === "77" && JSON.parse(m.value ?? "{}").order_id === 77)).toBe(true);
		expect(simulator.stats.orders).toBe(1);
	});

	it("answers an order event delivered twice only once", async () => {
		const producer = kafka.producer();
		await producer.connect();
		const event = { key: "78", value: encodeSagaMessage({ idempotent_key: randomUUID(), order_id: 78, status: "CREATED" }) };
		await producer.send({ topic: topics.order, messages: [event] });
		await producer.send({ topic: topics.order, messages: [event] });
		await producer.disconnect();

		await waitFor(() => (answers.messages.filter((m) => m.key === "78").length >= 3 ? true : undefined), "the answers to order 78");
		// The second delivery was read and let go: a second chain, if any, was sent before this.
		await waitFor(() => (simulator.stats.redelivered >= 1 ? true : undefined), "the simulator to read the second delivery");
		expect(answers.messages.filter((m) => m.key === "78")).toHaveLength(3);
		expect(simulator.stats.redelivered).toBe(1);
		expect(simulator.stats.orders).toBe(2);
	});
});
