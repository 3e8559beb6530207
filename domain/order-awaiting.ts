/**
 * What an order waits for, from its latest state: in a waiting state the
 * answer the stuck-order work names (domain/stuck-orders.ts), once it ended
 * nothing. Pure: the console's timeline says it in these words.
 */
import type { OrderState } from "./order-state";
import { awaiting, isWaitingState, type AnswerTopics } from "./stuck-orders";

const ENDED: Partial<Record<OrderState, string>> = { RESERVE_FAILED: "reserve failed", PAYMENT_FAILED: "payment failed", PAYMENT_COMPLETED: "completed" };

export function awaitingOf(state: OrderState, topics: AnswerTopics): { ended: boolean; awaiting: string } {
	if (isWaitingState(state)) return { ended: false, awaiting: awaiting(state, topics) };
	return { ended: true, awaiting: `nothing: the saga ended (${ENDED[state] ?? state})` };
}
