/** kafkajs client and the topics of CONTRACT.md. */
import { Kafka, logLevel, type ITopicConfig } from "kafkajs";
import type { Config } from "./config";

/** `retries` bounds how long a call keeps trying an unreachable broker (preflight uses 0). */
export function createKafka(brokers: string[], clientId = "orders", retries = 8): Kafka {
	return new Kafka({
		clientId,
		brokers,
		logLevel: logLevel.WARN,
		connectionTimeout: 3_000,
		retry: { initialRetryTime: 200, retries, maxRetryTime: 5_000 },
	});
}

export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

/** Every topic the service produces or consumes, dead-letter topics included. */
export function contractTopics(cfg: Pick<Config, "topics">): string[] {
	const { order, reserve, payment } = cfg.topics;
	return [order, reserve, payment, deadLetterTopic(reserve), deadLetterTopic(payment)];
}

/** Creates the missing topics; existing ones are left as they are. */
export async function ensureTopics(kafka: Kafka, topics: string[], partitions: number): Promise<void> {
	const admin = kafka.admin();
	await admin.connect();
	try {
		const existing = new Set(await admin.listTopics());
		const missing: ITopicConfig[] = topics
			.filter((topic) => !existing.has(topic))
			.map((topic) => ({ topic, numPartitions: partitions })); // replication factor: the broker default
		if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
	} finally {
		await admin.disconnect();
	}
}
