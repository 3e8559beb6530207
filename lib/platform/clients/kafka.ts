/** kafkajs client and the topics of the contract (docs/kafka-behaviour.md). */
import { readFileSync } from "node:fs";
import { Kafka, logLevel, type ITopicConfig, type KafkaConfig, type SASLOptions } from "kafkajs";
import type { Config, KafkaSecurity } from "../config/config";
import { fixKafkajsIdleLoop } from "./kafkajs-idle-loop";
import { kafkajsLog } from "./kafkajs-log";

/** kafkajs's SASL and TLS options from KAFKA_SASL_* and KAFKA_SSL*: every client is made with them. */
export function kafkaAccess(security: KafkaSecurity): Pick<KafkaConfig, "sasl" | "ssl"> {
	const access: Pick<KafkaConfig, "sasl" | "ssl"> = {};
	// One object type for the three mechanisms: kafkajs spells it as a union of the same shape.
	if (security.sasl) access.sasl = { ...security.sasl } as SASLOptions;
	if (security.ssl) access.ssl = security.ssl.caFile ? { ca: [readFileSync(security.ssl.caFile, "utf8")] } : true;
	return access;
}

/** `retries` bounds how long a call keeps trying an unreachable broker (preflight uses 0). */
export function createKafka(brokers: string[], clientId = "orders", retries = 8, security: KafkaSecurity = {}): Kafka {
	fixKafkajsIdleLoop();
	return new Kafka({
		clientId,
		brokers,
		logLevel: logLevel.WARN,
		logCreator: kafkajsLog,
		connectionTimeout: 3_000,
		retry: { initialRetryTime: 200, retries, maxRetryTime: 5_000 },
		...kafkaAccess(security),
	});
}

/**
 * A client that tries each call once within `attemptMs` and logs nothing: for checks
 * (the start-up preflight, the health check) whose answer is their result, not a log line.
 */
export function createSingleShotKafka(clientId: string, brokers: string[], attemptMs: number, security: KafkaSecurity = {}): Kafka {
	fixKafkajsIdleLoop();
	return new Kafka({
		clientId,
		brokers,
		logLevel: logLevel.NOTHING,
		connectionTimeout: attemptMs,
		requestTimeout: attemptMs,
		retry: { retries: 0 },
		...kafkaAccess(security),
	});
}

export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

/** Every topic the service produces or consumes, dead-letter topics included. */
export function contractTopics(cfg: Pick<Config, "topics">): string[] {
	const { order, reserve, payment } = cfg.topics;
	return [order, reserve, payment, deadLetterTopic(reserve), deadLetterTopic(payment)];
}

/**
 * Creates the missing topics; existing ones are left as they are. A broker that
 * just started may still be loading its partitions and answer with a retriable
 * error (for instance "does not host this topic-partition"): tried again then.
 */
export async function ensureTopics(kafka: Kafka, topics: string[], partitions: number, attempts = 20): Promise<void> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await createMissingTopics(kafka, topics, partitions);
		} catch (err) {
			if (!(err as { retriable?: boolean }).retriable || attempt >= attempts) throw err;
			await new Promise((r) => setTimeout(r, 500));
		}
	}
}

async function createMissingTopics(kafka: Kafka, topics: string[], partitions: number): Promise<void> {
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
