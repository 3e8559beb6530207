/**
 * Per test file: unique reserve/payment topics and consumer groups (set in
 * process.env before any node starts), their creation, and a producer that sends
 * saga messages to them.
 */
import { randomUUID } from "node:crypto";
import type { IHeaders, Kafka, Producer } from "kafkajs";
import { kafkaBrokers, loadConfig } from "../../lib/platform/config/config";
import { createKafka, deadLetterTopic, ensureTopics } from "../../lib/platform/clients/kafka";

export interface SagaTopics {
	reserve: string;
	payment: string;
	/** Env of a node that listens to these topics in these groups. */
	env: Record<string, string>;
	kafka: Kafka;
	/** Creates the topics and their .dlq topics and connects the producer. */
	setUp(): Promise<void>;
	/** Sends one message; answers where it landed. */
	send(topic: string, value: string | Buffer | null, key?: string | null, headers?: IHeaders): Promise<{ partition: number; offset: string }>;
	tearDown(): Promise<void>;
}

export function useSagaTopics(partitions = 3): SagaTopics {
	const run = randomUUID().slice(0, 8);
	const env = {
		RESERVE_TOPIC: `t-${run}-reserve`,
		PAYMENT_TOPIC: `t-${run}-payment`,
		RESERVE_GROUP: `g-${run}-reserve`,
		PAYMENT_GROUP: `g-${run}-payment`,
	};
	Object.assign(process.env, env);
	const kafka = createKafka(kafkaBrokers(loadConfig()), `test-${run}`);
	let producer: Producer | undefined;
	const topics = [env.RESERVE_TOPIC, env.PAYMENT_TOPIC];
	return {
		reserve: env.RESERVE_TOPIC,
		payment: env.PAYMENT_TOPIC,
		env,
		kafka,
		async setUp() {
			await ensureTopics(kafka, [...topics, ...topics.map(deadLetterTopic)], partitions);
			producer = kafka.producer();
			await producer.connect();
		},
		async send(topic, value, key = null, headers) {
			if (!producer) throw new Error("setUp() first");
			const [meta] = await producer.send({ topic, acks: -1, messages: [{ key, value, headers }] });
			return { partition: meta.partition, offset: meta.baseOffset ?? meta.offset ?? "" };
		},
		async tearDown() {
			await producer?.disconnect();
		},
	};
}

export const sagaMessage = (order_id: number, status: string, idempotent_key: string = randomUUID()): string =>
	JSON.stringify({ idempotent_key, order_id, status });
