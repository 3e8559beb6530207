/** Collects every message of some topics from the beginning, for assertions. */
import { randomUUID } from "node:crypto";
import type { IHeaders, Kafka } from "kafkajs";

export interface ReadMessage {
	topic: string;
	partition: number;
	offset: string;
	/** The message's timestamp (ms since the epoch, as the producer stamped it). */
	timestamp: number;
	key: string | null;
	value: string | null;
	headers: Record<string, string>;
}

const headerText = (headers: IHeaders | undefined): Record<string, string> =>
	Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(Array.isArray(value) ? value[0] : value)]));

export async function readTopics(kafka: Kafka, topics: string[]): Promise<{ messages: ReadMessage[]; stop(): Promise<void> }> {
	const messages: ReadMessage[] = [];
	const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
	await consumer.connect();
	await consumer.subscribe({ topics, fromBeginning: true });
	await consumer.run({
		eachMessage: async ({ topic, partition, message }) => {
			messages.push({
				topic,
				partition,
				offset: message.offset,
				timestamp: Number(message.timestamp),
				key: message.key?.toString() ?? null,
				value: message.value?.toString() ?? null,
				headers: headerText(message.headers),
			});
		},
	});
	return { messages, stop: () => consumer.disconnect() };
}
