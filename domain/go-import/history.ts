/**
 * A Go order's state history as this schema keeps it. The Go service recorded
 * any state after any other, and the same state twice; here a state is recorded
 * at most once per order (UNIQUE (order_id, state)). So a repeated state keeps
 * its latest record. A history the transition rules would not allow is still
 * imported as it was: the rules judge what comes next against all its states,
 * and the order's state is the furthest of them. Both are reported.
 */
import { decide, ORDER_STATES, type OrderState } from "../order-state";
import { utcFromPlainTimestamp } from "./utc-time";

/** One `state` row, oldest first (created_at, then id); created_at as PostgreSQL's text. */
export interface GoStateRow {
	state: string;
	created_at: string;
}

export interface ImportedState {
	state: OrderState;
	/** Canonical UTC text (utcFromPlainTimestamp). */
	time: string;
}

export interface HistoryResult {
	kind: "ok";
	states: ImportedState[];
	/** Rows left out because the same state comes again later. */
	repeated: ImportedState[];
	/** The first step the transition rules do not allow, e.g. "ORDER_CREATED -> PAYMENT_COMPLETED"; null when it follows them. */
	brokenRule: string | null;
}

export type HistoryOutcome = HistoryResult | { kind: "refused"; reason: string };

const isState = (state: string): state is OrderState => (ORDER_STATES as readonly string[]).includes(state);

export function importHistory(rows: readonly GoStateRow[]): HistoryOutcome {
	const read: ImportedState[] = [];
	for (const row of rows) {
		if (!isState(row.state)) return { kind: "refused", reason: `unknown state ${row.state}` };
		const time = utcFromPlainTimestamp(row.created_at);
		if (time === null) return { kind: "refused", reason: `state ${row.state} has the time "${row.created_at}", which is not a date and time` };
		read.push({ state: row.state, time });
	}
	const states = read.filter((entry, i) => !read.slice(i + 1).some((later) => later.state === entry.state));
	const repeated = read.filter((entry) => !states.includes(entry));
	return { kind: "ok", states, repeated, brokenRule: firstBrokenRule(read.map((r) => r.state)) };
}

/** Checked on the history as the Go service recorded it, repeats included: each state against the ones before it. */
function firstBrokenRule(history: readonly OrderState[]): string | null {
	const broken = history.findIndex((next, i) => decide(history.slice(0, i), next).kind !== "apply");
	return broken < 0 ? null : `${history[broken - 1] ?? "(start)"} -> ${history[broken]}`;
}
