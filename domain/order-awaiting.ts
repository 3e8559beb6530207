/**
 * What an order waits for, from its latest state: the saga's next message, or
 * nothing once it ended. Pure: the console's timeline says it in these words.
 */
import { TERMINAL_STATES, type OrderState } from "./order-state";

const AWAITING: Readonly<Record<OrderState, string>> = {
	ORDER_CREATED: "the inventory's reserve result (CREATED or FAILED) on the reserve topic",
	RESERVE_CREATED: "the payment's CREATED (or FAILED) on the payment topic",
	PAYMENT_CREATED: "the payment's COMPLETED (or FAILED) on the payment topic",
	RESERVE_FAILED: "nothing: the saga ended (reserve failed)",
	PAYMENT_FAILED: "nothing: the saga ended (payment failed)",
	PAYMENT_COMPLETED: "nothing: the saga ended (completed)",
};

export const awaitingOf = (state: OrderState): { ended: boolean; awaiting: string } => ({ ended: TERMINAL_STATES.has(state), awaiting: AWAITING[state] });
