/**
 * The input rules of the dead-letter routes (docs/rest-api.md#dead-letters) as
 * fastest-validator schemas, and the three ways a redrive names its letters.
 */
import { DEAD_LETTER_REASONS, type DeadLetterReason } from "./dead-letter-reason";
import { customCheck, MAX_LIMIT, positiveIdText } from "./order-input";

/** Kafka's longest topic name. */
const MAX_TOPIC = 249;
const MAX_PARTITION = 2_147_483_647;

/** Which letters a listing shows: still dead (never redriven, or rejected again), redriven, or all. */
export const LETTER_STATUSES = ["dead", "redriven", "all"] as const;
export type LetterStatus = (typeof LETTER_STATUSES)[number];

const topic = { type: "string", min: 1, max: MAX_TOPIC, optional: true } as const;
const reason = { type: "enum", values: [...DEAD_LETTER_REASONS], optional: true } as const;
const cursor = { type: "string", optional: true, max: 200 } as const;

/** A Kafka offset: a non-negative integer, as a JSON number or its decimal text (offsets are 64-bit). */
const offset = {
	type: "any",
	optional: true,
	custom: customCheck((value, path) =>
		value === undefined || toOffset(value) !== null
			? undefined
			: { type: "offset", field: path, message: `The '${path}' field must be a non-negative integer (a Kafka offset).`, actual: value },
	),
} as const;

/** The offset an `offset` field holds, as decimal text, or null when it is not one. */
export function toOffset(value: unknown): string | null {
	const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
	return typeof text === "string" && /^(0|[1-9][0-9]{0,18})$/.test(text) && BigInt(text) < 2n ** 63n ? text : null;
}

export const listDeadLettersParams = {
	$$strict: true,
	topic,
	reason,
	order_id: positiveIdText(Number.MAX_SAFE_INTEGER, true),
	status: { type: "enum", values: [...LETTER_STATUSES], optional: true },
	limit: positiveIdText(MAX_LIMIT, true),
	cursor,
} as const;

export const listRedrivesParams = { $$strict: true, limit: positiveIdText(MAX_LIMIT, true), cursor } as const;

export const redriveParams = {
	$$strict: true,
	topic,
	partition: { type: "number", integer: true, min: 0, max: MAX_PARTITION, optional: true },
	offset,
	order_id: positiveIdText(Number.MAX_SAFE_INTEGER, true),
	reason,
} as const;

export interface RedriveInput {
	topic?: string;
	partition?: number;
	offset?: number | string;
	order_id?: number | string;
	reason?: DeadLetterReason;
}

/** What a redrive names: one letter, the letters of an order, or the letters of a topic with a reason. */
export type RedriveSelector =
	| { topic: string; partition: number; offset: string }
	| { order_id: number }
	| { topic: string; reason: DeadLetterReason };

const SHAPES = "Name one letter {topic, partition, offset}, an order {order_id}, or a reason {topic, reason}.";

/** The selector of a validated redrive body, or the message saying which shapes are allowed. */
export function redriveSelector(input: RedriveInput): RedriveSelector | { error: string } {
	const given = Object.keys(input).filter((k) => input[k as keyof RedriveInput] !== undefined).sort().join(",");
	if (given === "offset,partition,topic") {
		return { topic: input.topic as string, partition: input.partition as number, offset: toOffset(input.offset) as string };
	}
	if (given === "order_id") return { order_id: Number(input.order_id) };
	if (given === "reason,topic") return { topic: input.topic as string, reason: input.reason as DeadLetterReason };
	return { error: SHAPES };
}
