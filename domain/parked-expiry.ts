/**
 * When a parked message's predecessor can no longer arrive ("lag is not loss",
 * docs/kafka-behaviour.md). Pure: the watermarks are the caller's.
 *
 * The states between the order's recorded history and the parked one are the
 * ones it waits for; each comes from one consumed topic. The message is given
 * up only once the service's consumer group of every such topic has consumed,
 * on every partition, past the time the message was parked plus the window: a
 * predecessor produced before then would have been read. A consumer that is
 * down or behind never gets there, so its lag never turns into dead letters.
 */
import { decide, ORDER_STATES, type OrderState } from "./order-state";
import { paymentStates, reserveStates, type StatusMapping } from "./saga-message";

/** The consumed saga topics, by role. */
export type SagaSource = "reserve" | "payment";

const SOURCES: ReadonlyArray<[SagaSource, StatusMapping]> = [
	["reserve", reserveStates],
	["payment", paymentStates],
];

/** The topic that carries `state`; null for ORDER_CREATED, which is written with the order. */
export function sourceOf(state: OrderState): SagaSource | null {
	const found = SOURCES.find(([, mapping]) => mapping.statuses.some((status) => mapping.toState(status) === state));
	return found ? found[0] : null;
}

/** The topics that may still bring a state lying between the `recorded` history and the parked `state`. */
export function awaitedSources(recorded: readonly OrderState[], state: OrderState): SagaSource[] {
	const between = ORDER_STATES.filter((x) => decide(recorded, x).kind !== "reject" && decide([x], state).kind !== "reject");
	return [...new Set(between.map(sourceOf).filter((source) => source !== null))];
}

/**
 * True once every awaited topic's consumer group has consumed all its partitions
 * past `parkedAt` + `windowMs`. `consumedThrough(source)` is the least such time
 * over the topic's partitions (null: the group has told nothing yet).
 */
export function predecessorGone(parkedAt: Date, windowMs: number, awaited: readonly SagaSource[], consumedThrough: (source: SagaSource) => Date | null): boolean {
	const due = parkedAt.getTime() + windowMs;
	return (
		awaited.length > 0 &&
		awaited.every((source) => {
			const through = consumedThrough(source);
			return through !== null && through.getTime() >= due;
		})
	);
}
