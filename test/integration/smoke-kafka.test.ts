/**
 * The real broker with kafkajs: produce, then consume in a consumer group with
 * committed offsets. Proves kafkajs against the pinned Kafka version.
 */
import { randomUUID } from "node:crypto";
import type { Consumer, Kafka, Producer } from "kafkajs";
import { kafkaBrokers, loadConfig } from "../../lib/platform/config/config";
import { createKafka, ensureTopics } from "../../lib/platform/clients/kafka";

const COUNT = 12;

describe("Kafka smoke", () => {
	const topic = `smoke-${randomUUID()}`;
	const groupId = `smoke-group-${randomUUID()}`;
	let kafka: Kafka;
	let producer: Producer;
	let consumer: Consumer;

	beforeAll(async () => {
		kafka = createKafka(kafkaBrokers(loadConfig()), "smoke-test");
		await ensureTopics(kafka, [topic], 3);
		producer = kafka.producer();
		consumer = kafka.consumer({ groupId });
		await Promise.all([producer.connect(), consumer.connect()]);
	});

	afterAll(async () => {
		await Promise.allSettled([producer?.disconnect(), consumer?.disconnect()]);
		const admin = kafka.admin();
		await admin.connect();
		await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
		await admin.disconnect();
	});

	it("delivers every message to the group, in order per key, and commits the group's offsets", async () => {
		const received: Array<{ key: string; value: string; partition: number }> = [];
		const allReceived = new Promise<void>((done) => {
			void consumer.subscribe({ topic, fromBeginning: true }).then(() =>
				consumer.run({
					eachMessage: async ({ partition, message }) => {
						received.push({ key: String(message.key), value: String(message.value), partition });
						if (received.length === COUNT) done();
					},
				}),
			);
		});

		const messages = Array.from({ length: COUNT }, (_, i) => ({ key: `order-${i % 3}`, value: JSON.stringify({ n: i }) }));
		await producer.send({ topic, messages });
		await allReceived;

		expect(received.map((m) => JSON.parse(m.value).n).sort((a, b) => a - b)).toEqual(messages.map((_, i) => i));
		for (const key of ["order-0", "order-1", "order-2"]) {
			const ofKey = received.filter((m) => m.key === key);
			expect(new Set(ofKey.map((m) => m.partition)).size).toBe(1);
			const sequence = ofKey.map((m) => JSON.parse(m.value).n);
			expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
		}

		await consumer.stop(); // commits what was consumed
		const admin = kafka.admin();
		await admin.connect();
		try {
			const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
			const committed = offsets.partitions.reduce((sum, p) => sum + Math.max(Number(p.offset), 0), 0);
			expect(committed).toBe(COUNT);
		} finally {
			await admin.disconnect();
		}
	});
});
