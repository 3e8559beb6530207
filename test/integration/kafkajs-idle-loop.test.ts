/**
 * kafkajs's request queue, patched (lib/platform/clients/kafkajs-idle-loop.ts):
 * an idle connection no longer spins its timer, and requests that wait behind
 * the in-flight limit are still sent. Against the real broker.
 */
import { randomUUID } from "node:crypto";
import type { Kafka, Producer } from "kafkajs";
import { kafkaBrokers, loadConfig } from "../../lib/platform/config/config";
import { createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { kafkajsRequestQueue } from "../../lib/platform/clients/kafkajs-idle-loop";

const IDLE_MS = 500;

describe("kafkajs request queue", () => {
	const topic = `idle-loop-${randomUUID()}`;
	let kafka: Kafka;
	let producer: Producer;

	beforeAll(async () => {
		kafka = createKafka(kafkaBrokers(loadConfig()), "idle-loop-test");
		await ensureTopics(kafka, [topic], 1);
		// One request in flight per connection: the others wait in the queue's pending list.
		producer = kafka.producer({ maxInFlightRequests: 1, allowAutoTopicCreation: false });
		await producer.connect();
	});

	afterAll(async () => {
		await producer?.disconnect();
		const admin = kafka.admin();
		await admin.connect();
		await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
		await admin.disconnect();
	});

	it("sends requests that waited behind the in-flight limit (an answer, not a timer, lets the next go)", async () => {
		let mostWaiting = 0;
		const stopListening = producer.on(producer.events.REQUEST_QUEUE_SIZE, ({ payload }) => (mostWaiting = Math.max(mostWaiting, payload.queueSize)));
		const sends = Array.from({ length: 40 }, (_, i) => producer.send({ topic, acks: -1, messages: [{ key: "k", value: String(i) }] }));
		const answers = await Promise.all(sends).finally(stopListening);
		expect(mostWaiting).toBeGreaterThan(0); // requests really waited in the pending list
		expect(answers).toHaveLength(40);
	});

	it("checks an idle connection's queue no more than a few times, not about once a millisecond", async () => {
		await producer.send({ topic, acks: -1, messages: [{ key: "k", value: "last" }] });
		const prototype = kafkajsRequestQueue().prototype;
		const original = prototype.checkPendingRequests;
		let checks = 0;
		prototype.checkPendingRequests = function (this: typeof prototype) {
			checks++;
			return original.call(this);
		};
		try {
			await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
		} finally {
			prototype.checkPendingRequests = original;
		}
		// kafkajs 2.2.4 unpatched: a timer per connection re-armed about every millisecond (hundreds here).
		expect(checks).toBeLessThan(10);
	});
});
