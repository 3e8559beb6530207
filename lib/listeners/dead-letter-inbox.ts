/**
 * Reading dead letters back and re-driving one to its source topic after a fix
 * (used by the REPL). Re-driving is safe: consumers dedupe by idempotent_key, so
 * a message that was applied meanwhile is only acknowledged again.
 */
import { randomUUID } from "node:crypto";
import type { IHeaders, Kafka } from "kafkajs";
import { DEAD_LETTER_HEADERS } from "./dead-letter";
import { deadLetterTopic } from "../platform/kafka";

export interface StoredDeadLetter {
	partition: number;
	offset: string;
	key: Buffer | null;
	value: Buffer | null;
	/** The original message's headers, without the dead-letter ones. */
	headers: IHeaders;
	reason: string;
	error: string;
	source: { topic: string; partition: number; offset: string };
}

/** Header set by `redrive`, naming the dead letter a message came back from. */
export const REDRIVEN_FROM_HEADER = "redriven_from";

const text = (value: IHeaders[string]): string => {
	const first = Array.isArray(value) ? value[0] : value;
	return first === undefined ? "" : first.toString();
};

function toStored(partition: number, offset: string, key: Buffer | null, value: Buffer | null, headers: IHeaders): StoredDeadLetter {
	const h = DEAD_LETTER_HEADERS;
	const own = new Set<string>(Object.values(h));
	return {
		partition,
		offset,
		key,
		value,
		headers: Object.fromEntries(Object.entries(headers).filter(([name]) => !own.has(name))),
		reason: text(headers[h.reason]),
		error: text(headers[h.error]),
		source: { topic: text(headers[h.topic]), partition: Number(text(headers[h.partition])), offset: text(headers[h.offset]) },
	};
}

/** Every dead letter of `sourceTopic` now in `<sourceTopic>.dlq`, oldest first per partition. */
export async function readDeadLetters(kafka: Kafka, sourceTopic: string): Promise<StoredDeadLetter[]> {
	const topic = deadLetterTopic(sourceTopic);
	const admin = kafka.admin();
	await admin.connect();
	const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
	const remaining = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high) - 1n]));
	if (remaining.size === 0) return [];

	const letters: StoredDeadLetter[] = [];
	// A throw-away group: reading must not move any real consumer's offsets.
	const groupId = `dlq-reader-${randomUUID()}`;
	const consumer = kafka.consumer({ groupId });
	await consumer.connect();
	try {
		await consumer.subscribe({ topic, fromBeginning: true });
		await new Promise<void>((done, fail) => {
			consumer
				.run({
					eachMessage: async ({ partition, message }) => {
						letters.push(toStored(partition, message.offset, message.key, message.value, message.headers ?? {}));
						const last = remaining.get(partition);
						if (last !== undefined && BigInt(message.offset) >= last) remaining.delete(partition);
						if (remaining.size === 0) done();
					},
				})
				.catch(fail);
		});
	} finally {
		await consumer.disconnect();
		const cleanup = kafka.admin();
		await cleanup.connect();
		await cleanup.deleteGroups([groupId]).catch(() => undefined);
		await cleanup.disconnect();
	}
	return letters.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** Sends the dead letter at `partition`/`offset` of `<sourceTopic>.dlq` back to its source topic. */
export async function redrive(kafka: Kafka, sourceTopic: string, partition: number, offset: string): Promise<StoredDeadLetter> {
	const letter = (await readDeadLetters(kafka, sourceTopic)).find((l) => l.partition === partition && l.offset === offset);
	if (!letter) throw new Error(`no dead letter at ${deadLetterTopic(sourceTopic)} partition ${partition} offset ${offset}`);
	const producer = kafka.producer();
	await producer.connect();
	try {
		await producer.send({
			topic: letter.source.topic || sourceTopic,
			acks: -1,
			messages: [
				{
					key: letter.key,
					value: letter.value,
					headers: { ...letter.headers, [REDRIVEN_FROM_HEADER]: `${deadLetterTopic(sourceTopic)}/${partition}/${offset}` },
				},
			],
		});
	} finally {
		await producer.disconnect();
	}
	return letter;
}
