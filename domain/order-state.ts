/**
 * The order state machine of the contract (README, docs/kafka-behaviour.md), pure: no I/O, no clock.
 * `decide` tells what to do with a state that arrives for an order whose
 * latest recorded state is `current`.
 */

export const ORDER_STATES = [
	"ORDER_CREATED",
	"RESERVE_CREATED",
	"RESERVE_FAILED",
	"PAYMENT_CREATED",
	"PAYMENT_FAILED",
	"PAYMENT_COMPLETED",
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/** The states each state may directly follow. */
const PREDECESSORS: Readonly<Record<OrderState, readonly OrderState[]>> = {
	ORDER_CREATED: [],
	RESERVE_CREATED: ["ORDER_CREATED"],
	RESERVE_FAILED: ["ORDER_CREATED"],
	PAYMENT_CREATED: ["RESERVE_CREATED"],
	PAYMENT_FAILED: ["RESERVE_CREATED", "PAYMENT_CREATED"],
	PAYMENT_COMPLETED: ["PAYMENT_CREATED"],
};

export const TERMINAL_STATES: ReadonlySet<OrderState> = new Set(["RESERVE_FAILED", "PAYMENT_FAILED", "PAYMENT_COMPLETED"]);

const mayFollow = (current: OrderState, next: OrderState): boolean => PREDECESSORS[next].includes(current);

/** True when `to` can still be reached from `from` through one or more transitions. */
function reachable(from: OrderState, to: OrderState): boolean {
	return PREDECESSORS[to].some((before) => before === from || reachable(from, before));
}

export type Decision =
	/** Record it now. */
	| { kind: "apply" }
	/** Its predecessor is not recorded yet, but may still come. */
	| { kind: "early" }
	/** It can never follow the recorded history. */
	| { kind: "reject"; reason: "invalid_transition" };

/** `current` is the latest recorded state, or null for an order with no history. */
export function decide(current: OrderState | null, next: OrderState): Decision {
	if (current === null) return next === "ORDER_CREATED" ? { kind: "apply" } : { kind: "early" };
	if (mayFollow(current, next)) return { kind: "apply" };
	if (reachable(current, next)) return { kind: "early" };
	return { kind: "reject", reason: "invalid_transition" };
}
