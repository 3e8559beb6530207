/**
 * Stuck orders, pure: which states wait for an answer, what each waits for, how
 * often the monitor looks, and the cursor of GET /api/orders/stuck. An order is
 * stuck when it has been in a waiting state for longer than that state's deadline.
 */
import { listOrdersParams } from "./order-input";
import type { OrderState } from "./order-state";

/** The states an order leaves only when an answer comes: the non-terminal ones (a unit test holds them to TERMINAL_STATES). */
export const WAITING_STATES = ["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED"] as const satisfies readonly OrderState[];
export type WaitingState = (typeof WAITING_STATES)[number];

export const isWaitingState = (state: unknown): state is WaitingState => (WAITING_STATES as readonly unknown[]).includes(state);

/** How long an order may stay in each waiting state before it counts as stuck. */
export type StuckDeadlines = Record<WaitingState, number>;

/** The consumed topics, by the name the saga gives them. */
export interface AnswerTopics {
	reserve: string;
	payment: string;
}

/** The answers each waiting state expects: the topic and the statuses that move the order on. */
const ANSWERS: Record<WaitingState, { topic: keyof AnswerTopics; statuses: string }> = {
	ORDER_CREATED: { topic: "reserve", statuses: "CREATED or FAILED" },
	RESERVE_CREATED: { topic: "payment", statuses: "CREATED or FAILED" },
	PAYMENT_CREATED: { topic: "payment", statuses: "COMPLETED or FAILED" },
};

/** What an order in `state` waits for, e.g. "the reserve answer (CREATED or FAILED) on topic inventory". */
export function awaiting(state: WaitingState, topics: AnswerTopics): string {
	const answer = ANSWERS[state];
	return `the ${answer.topic} answer (${answer.statuses}) on topic ${topics[answer.topic]}`;
}

/** A quarter of the shortest deadline, between 250 ms and 15 s: an order shows as stuck at most that late. */
export function monitorIntervalMs(deadlines: StuckDeadlines): number {
	return Math.min(15_000, Math.max(250, Math.floor(Math.min(...Object.values(deadlines)) / 4)));
}

/** Where a page of stuck orders ended: the last order's `since`, in microseconds as PostgreSQL keeps it, and its id. */
export interface StuckCursor {
	since: string;
	orderId: number;
}

/** PostgreSQL's timestamp in UTC with its microseconds, as the store writes it. */
const MICROSECOND_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export const encodeStuckCursor = (cursor: StuckCursor): string => Buffer.from(JSON.stringify({ since: cursor.since, after: cursor.orderId })).toString("base64url");

/** The cursor's position, or null when it is not a cursor this service gave out. */
export function decodeStuckCursor(text: string): StuckCursor | null {
	try {
		const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as { since?: unknown; after?: unknown } | null;
		const since = value?.since;
		const orderId = value?.after;
		if (typeof since !== "string" || !MICROSECOND_TIME.test(since) || Number.isNaN(Date.parse(since))) return null;
		return Number.isSafeInteger(orderId) && (orderId as number) > 0 ? { since, orderId: orderId as number } : null;
	} catch {
		return null;
	}
}

/** The deadlines in the order of WAITING_STATES, limited to `only` when given. */
export const deadlinesOf = (deadlines: StuckDeadlines, only?: WaitingState): Array<{ state: WaitingState; afterMs: number }> =>
	WAITING_STATES.filter((state) => only === undefined || state === only).map((state) => ({ state, afterMs: deadlines[state] }));

/** The input rules of GET /api/orders/stuck: the list's `limit` and `cursor` rules, and a waiting state. */
export const listStuckParams = {
	$$strict: true,
	limit: listOrdersParams.limit,
	cursor: listOrdersParams.cursor,
	state: { type: "enum", values: WAITING_STATES, optional: true },
} as const;

export interface StuckOrdersInput {
	limit?: number | string;
	cursor?: string;
	state?: WaitingState;
}
