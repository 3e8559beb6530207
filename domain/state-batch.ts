/**
 * The batch decision of the state store, pure: given a batch of requests and
 * what the database holds for their orders (recorded states, applied keys,
 * parked messages), decide every request in batch order and collect the rows
 * the batch must write. lib/state/state-store.ts reads the inputs under the
 * orders' row locks and writes the result in the same transaction.
 */
import { decide, furthestState, type OrderState } from "./order-state";

/** Where a consumed message was read: recorded with its applied key. */
export interface MessagePosition {
	topic: string;
	partition: number;
	offset: string;
}

/** A consumed message whole: kept with a parked message so it can still be dead-lettered. */
export interface MessageSource extends MessagePosition {
	/** base64, or null for a message without key */
	key: string | null;
	/** base64 of the original value */
	value: string;
	/** header name -> base64 value */
	headers: Record<string, string>;
}

export interface ApplyRequest {
	order_id: number;
	state: OrderState;
	idempotent_key: string;
	/**
	 * Where the message was read. Its bytes (a whole MessageSource) are needed only
	 * to park it: a request with its position alone answers "early" instead, and
	 * the caller sends it again whole (rare, and the common path stays light).
	 */
	source?: MessagePosition | MessageSource;
}

/** Whether `source` carries the message's bytes, which parking needs. */
export const isWhole = (source: MessagePosition | MessageSource | undefined): source is MessageSource =>
	source !== undefined && "value" in source && source.headers !== undefined;

export type RejectReason = "idempotency_conflict" | "unknown_order" | "invalid_transition";

export type ApplyOutcome =
	| { result: "applied" }
	| { result: "duplicate" }
	/** Early, kept in parked_messages until its predecessor is recorded. */
	| { result: "parked" }
	/** Early and without its bytes to park it with: nothing stored, the caller sends it again whole. */
	| { result: "early" }
	| { result: "rejected"; reason: RejectReason };

/** An applied or parked message: the state its key was recorded with. */
export interface KeyRecord {
	state: OrderState;
}

/** A parked message as the database holds it. */
export interface ParkedRow {
	order_id: string;
	idempotent_key: string;
	state: OrderState;
	/** Being dead-lettered by the parked-message sweep: known, not applied. */
	claimed?: boolean;
	/** Where it was read: recorded with its key once it is applied. */
	source?: MessagePosition;
}

/** What the database holds for the orders of a batch, read under their row locks. */
export interface BatchInputs {
	/** The recorded states of each existing order of the batch, oldest first. */
	history: ReadonlyMap<number, readonly OrderState[]>;
	/** Applied keys of the batch's requests, by `keyOf`. */
	applied: ReadonlyMap<string, KeyRecord>;
	/** Parked messages of the batch's orders, oldest first. */
	parked: readonly ParkedRow[];
}

/** Everything the batch will write. */
export interface BatchWrites {
	/** New order_states rows, in the order they were decided. */
	states: Array<{ order_id: number; state: OrderState }>;
	/** Applied keys, each with where its message was read (when known): the rows as they are written, one object each. */
	applied: Array<{ order_id: number; idempotent_key: string; state: OrderState } & Partial<MessagePosition>>;
	/** Parked rows that could follow at last: deleted from parked_messages. */
	unparked: Array<{ order_id: number; idempotent_key: string }>;
	/** Requests to park now. */
	parked: Array<ApplyRequest & { source: MessageSource }>;
	/** Each changed order's new current state (the furthest of its history, domain/order-state.ts). */
	latest: Map<number, OrderState>;
}

export interface BatchDecision {
	outcomes: ApplyOutcome[];
	writes: BatchWrites;
}

/** One spelling per (order, key): UUIDs compare case-insensitively, as PostgreSQL's uuid does. */
export const keyOf = (orderId: number | string, idempotentKey: string): string => `${orderId}:${idempotentKey.toLowerCase()}`;

/** Outcomes without details are shared (a batch answers thousands of them); never mutated. */
const APPLIED: ApplyOutcome = Object.freeze({ result: "applied" });
const DUPLICATE: ApplyOutcome = Object.freeze({ result: "duplicate" });
const PARKED: ApplyOutcome = Object.freeze({ result: "parked" });
const EARLY: ApplyOutcome = Object.freeze({ result: "early" });

/** A parked message waiting for its predecessor; `request` is set when this very batch parked it. */
type Waiting = ParkedRow & { request?: number };

/** Decides every request in batch order, against the history each earlier request of the batch left. */
export function decideBatch(requests: readonly ApplyRequest[], inputs: BatchInputs): BatchDecision {
	// What this batch recorded, over the inputs (which are never copied nor changed): each changed
	// order's history, and the keys applied here with their state.
	const recorded = new Map<number, readonly OrderState[]>();
	const historyOf = (orderId: number) => recorded.get(orderId) ?? inputs.history.get(orderId);
	const appliedHere = new Map<string, OrderState>();
	const appliedState = (key: string) => appliedHere.get(key) ?? inputs.applied.get(key)?.state;
	const parked = new Map<string, KeyRecord>(inputs.parked.map((p) => [keyOf(p.order_id, p.idempotent_key), { state: p.state }]));
	const waiting = new Map<number, Waiting[]>();
	// A row the parked-message sweep claimed is being dead-lettered: still known (a redelivery is a duplicate), never applied.
	for (const p of inputs.parked.filter((row) => !row.claimed)) waiting.set(Number(p.order_id), [...(waiting.get(Number(p.order_id)) ?? []), p]);

	const writes: BatchWrites = { states: [], applied: [], unparked: [], parked: [], latest: new Map() };
	const outcomes: ApplyOutcome[] = [];
	const record = (orderId: number, idempotentKey: string, key: string, state: OrderState, source: MessagePosition | undefined) => {
		writes.states.push({ order_id: orderId, state });
		writes.applied.push({ order_id: orderId, idempotent_key: idempotentKey, state, topic: source?.topic, partition: source?.partition, offset: source?.offset });
		const before = historyOf(orderId) ?? [];
		recorded.set(orderId, [...before, state]);
		// The furthest of the history with `state` added: `state`, unless what was furthest stays so.
		const furthest = writes.latest.get(orderId) ?? furthestState(before);
		writes.latest.set(orderId, furthest === null ? state : (furthestState([furthest, state]) as OrderState));
		appliedHere.set(key, state);
	};
	// A recorded state may let parked messages of the order follow, one after another.
	const applyWaiting = (orderId: number) => {
		const queue = waiting.get(orderId) ?? [];
		const nextReady = () => queue.findIndex((p) => decide(historyOf(orderId) ?? [], p.state).kind === "apply");
		for (let next = nextReady(); next >= 0; next = nextReady()) {
			const [p] = queue.splice(next, 1);
			const key = keyOf(orderId, p.idempotent_key);
			parked.delete(key);
			if (p.request === undefined) writes.unparked.push({ order_id: orderId, idempotent_key: p.idempotent_key });
			else {
				// Parked earlier in this batch: it never reaches the table.
				writes.parked = writes.parked.filter((w) => keyOf(w.order_id, w.idempotent_key) !== key);
				outcomes[p.request] = APPLIED;
			}
			record(orderId, p.idempotent_key, key, p.state, p.request === undefined ? p.source : requests[p.request].source);
		}
	};

	const decideOne = (request: ApplyRequest, index: number): ApplyOutcome => {
		const { order_id: orderId, state, idempotent_key: idempotentKey, source } = request;
		const history = historyOf(orderId);
		if (history === undefined) return { result: "rejected", reason: "unknown_order" };
		const key = keyOf(orderId, idempotentKey);
		const seen = appliedState(key) ?? parked.get(key)?.state;
		if (seen) return seen === state ? DUPLICATE : { result: "rejected", reason: "idempotency_conflict" };

		const decision = decide(history, state);
		if (decision.kind === "reject") return { result: "rejected", reason: decision.reason };
		if (decision.kind === "early") {
			if (!isWhole(source)) return EARLY;
			writes.parked.push({ ...request, source });
			parked.set(key, { state });
			waiting.set(orderId, [...(waiting.get(orderId) ?? []), { order_id: String(orderId), idempotent_key: idempotentKey, state, request: index }]);
			return PARKED;
		}
		record(orderId, idempotentKey, key, state, source);
		applyWaiting(orderId);
		return APPLIED;
	};
	requests.forEach((request, index) => {
		outcomes[index] = decideOne(request, index);
	});
	return { outcomes, writes };
}
