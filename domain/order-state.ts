/**
 * The order state machine of the contract (README, docs/kafka-behaviour.md), pure: no I/O, no clock.
 * `decide` judges a state that arrives for an order against every state its
 * history holds, not only the latest: a history the Go service recorded out of
 * order (ORDER_CREATED, PAYMENT_CREATED, RESERVE_CREATED) still takes its next
 * state (PAYMENT_COMPLETED).
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

/** True when `to` can be reached from `from` through one or more transitions. */
function reachable(from: OrderState, to: OrderState): boolean {
	return PREDECESSORS[to].some((before) => before === from || reachable(from, before));
}

/** Two states of different branches (RESERVE_FAILED and PAYMENT_CREATED): one history never holds both. */
const onOtherBranch = (a: OrderState, b: OrderState): boolean => a !== b && !reachable(a, b) && !reachable(b, a);

export type Decision =
	/** Record it now. */
	| { kind: "apply" }
	/** Its predecessor is not recorded yet, but may still come. */
	| { kind: "early" }
	/** It can never follow the recorded history. */
	| { kind: "reject"; reason: "invalid_transition" };

const REJECT: Decision = { kind: "reject", reason: "invalid_transition" };

/**
 * `recorded` is every state of the order's history, in any order (empty for an
 * order with none). `next` may follow when one of its predecessors is recorded
 * and the history holds neither a terminal state, nor a state of another
 * branch, nor `next` itself; it is early when such a predecessor may still come.
 */
export function decide(recorded: readonly OrderState[], next: OrderState): Decision {
	if (recorded.length === 0) return next === "ORDER_CREATED" ? { kind: "apply" } : { kind: "early" };
	if (recorded.some((state) => state === next || TERMINAL_STATES.has(state) || onOtherBranch(state, next))) return REJECT;
	if (PREDECESSORS[next].some((before) => recorded.includes(before))) return { kind: "apply" };
	// ORDER_CREATED is only ever first: a state whose every way back needs it can never follow.
	return PREDECESSORS[next].some((before) => decide(recorded, before).kind !== "reject") ? { kind: "early" } : REJECT;
}

/**
 * Whether an order's current state (the furthest of its history) alone decides
 * the states `next`, one after the other, as its whole history would: each of
 * them directly follows it. The current state is then not terminal, and a
 * history without a terminal state holds only states on the one line before it
 * (ORDER_CREATED, RESERVE_CREATED, PAYMENT_CREATED), none of which can make
 * `decide` answer otherwise. Spares the state store reading the history.
 */
export const decidedByCurrentState = (current: OrderState, next: readonly OrderState[]): boolean =>
	next.every((state) => PREDECESSORS[state].includes(current));

/** Transitions from ORDER_CREATED on the longest way to `state` (ORDER_CREATED 0, PAYMENT_COMPLETED 3). */
const depth = (state: OrderState): number => Math.max(0, ...PREDECESSORS[state].map((before) => depth(before) + 1));

/** How far along each state is: a terminal state ends the order, then the depth counts. Computed once: every recorded state asks. */
const PROGRESS = new Map<OrderState, number>(ORDER_STATES.map((state) => [state, (TERMINAL_STATES.has(state) ? 10 : 0) + depth(state)]));
const progress = (state: OrderState): number => PROGRESS.get(state) as number;

/**
 * The order's current state: the furthest one of its history along the state
 * table, not the last recorded (an imported Go history may hold them out of
 * order). A terminal state ends the order whatever came after it in time;
 * between equals the later record wins. `history` is oldest first; null when empty.
 */
export function furthestState(history: readonly OrderState[]): OrderState | null {
	return history.reduce<OrderState | null>((furthest, state) => (furthest === null || progress(state) >= progress(furthest) ? state : furthest), null);
}
