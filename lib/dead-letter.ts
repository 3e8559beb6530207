/**
 * Dead letters: a consumed message that cannot be applied goes to `<topic>.dlq`
 * with its original key, value and headers, plus headers naming why and where
 * it came from. Sent with acks from all in-sync replicas; the caller commits the
 * source offset (or deletes the parked row) only after this resolves.
 */
import type { IHeaders, Message, Producer } from "kafkajs";
import { deadLetterTopic } from "./kafka";

export type DeadLetterReason = "malformed" | "idempotency_conflict" | "unknown_order" | "invalid_transition" | "out_of_order";

/** The headers every dead letter carries (original headers of the same name are overridden). */
export const DEAD_LETTER_HEADERS = {
	reason: "reason",
	error: "error",
	topic: "source_topic",
	partition: "source_partition",
	offset: "source_offset",
} as const;

export interface DeadLetter {
	topic: string;
	partition: number;
	offset: string;
	key: Buffer | null;
	value: Buffer | null;
	headers: IHeaders;
	reason: DeadLetterReason;
	error: string;
}

function toMessage(letter: DeadLetter): Message {
	const h = DEAD_LETTER_HEADERS;
	return {
		key: letter.key,
		value: letter.value,
		headers: {
			...letter.headers,
			[h.reason]: letter.reason,
			[h.error]: letter.error,
			[h.topic]: letter.topic,
			[h.partition]: String(letter.partition),
			[h.offset]: letter.offset,
		},
	};
}

/** Produces the dead letters of one source topic; resolves once the broker acknowledged all of them. */
export async function sendDeadLetters(producer: Producer, sourceTopic: string, letters: DeadLetter[]): Promise<void> {
	if (letters.length === 0) return;
	await producer.send({ topic: deadLetterTopic(sourceTopic), acks: -1, messages: letters.map(toMessage) });
}

/** Headers as name -> base64, so they survive JSON and a parked row byte for byte (a repeated header keeps its first value). */
export function encodeHeaders(headers: IHeaders | undefined): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers ?? {})) {
		const first = Array.isArray(value) ? value[0] : value;
		if (first !== undefined) out[name] = Buffer.from(first).toString("base64");
	}
	return out;
}

export function decodeHeaders(headers: Record<string, string>): IHeaders {
	return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Buffer.from(value, "base64")]));
}
