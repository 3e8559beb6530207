/**
 * Dead letters: a consumed message that cannot be applied goes to `<topic>.dlq`
 * with its original key, value and headers, plus headers naming why and where
 * it came from, and is recorded in the dead_letters table (where operators list
 * and redrive it, lib/dead-letters/). Sent with acks from all in-sync replicas,
 * then recorded; the caller commits the source offset (or deletes the parked
 * row) only after both.
 */
import type { IHeaders, Message, Producer } from "kafkajs";
import type { Sequelize } from "sequelize";
import { recordDeadLetters, type DeadLetter } from "../dead-letters";
import { deadLetterTopic } from "../platform/clients/kafka";

/** The headers every dead letter carries (original headers of the same name are overridden). */
export const DEAD_LETTER_HEADERS = {
	reason: "reason",
	error: "error",
	topic: "source_topic",
	partition: "source_partition",
	offset: "source_offset",
} as const;

/**
 * Headers kafkajs can send again: a header whose value is null (another client may
 * write one; kafkajs reads it as null) cannot be produced, so it is left out.
 */
function sendableHeaders(headers: IHeaders): IHeaders {
	return Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== null && value !== undefined));
}

function toMessage(letter: DeadLetter): Message {
	const h = DEAD_LETTER_HEADERS;
	return {
		key: letter.key,
		value: letter.value,
		headers: {
			...sendableHeaders(letter.headers),
			[h.reason]: letter.reason,
			[h.error]: letter.error,
			[h.topic]: letter.topic,
			[h.partition]: String(letter.partition),
			[h.offset]: letter.offset,
		},
	};
}

/** Stays well under the broker's default message.max.bytes (1 MiB) per produce request. */
const MAX_SEND_BYTES = 512 * 1024;

const sizeOf = (message: Message): number =>
	(message.key?.length ?? 0) +
	(message.value?.length ?? 0) +
	Object.entries(message.headers ?? {}).reduce((sum, [name, value]) => sum + name.length + String(value).length, 0);

/** Splits messages into sends of at most MAX_SEND_BYTES (a larger single message goes alone). */
function bySize(messages: Message[]): Message[][] {
	const sends: Message[][] = [];
	let current: Message[] = [];
	let bytes = 0;
	for (const message of messages) {
		const size = sizeOf(message);
		if (current.length > 0 && bytes + size > MAX_SEND_BYTES) {
			sends.push(current);
			current = [];
			bytes = 0;
		}
		current.push(message);
		bytes += size;
	}
	if (current.length > 0) sends.push(current);
	return sends;
}

/** Produces the dead letters of one source topic and records them; resolves once the broker acknowledged all of them and the rows are committed. */
export async function sendDeadLetters(producer: Producer, db: Sequelize, sourceTopic: string, letters: DeadLetter[]): Promise<void> {
	// In order, one send after the other: the .dlq topic reads like the source.
	for (const messages of bySize(letters.map(toMessage))) {
		await producer.send({ topic: deadLetterTopic(sourceTopic), acks: -1, messages });
	}
	await recordDeadLetters(db, letters);
}
