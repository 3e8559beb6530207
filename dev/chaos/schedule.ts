/**
 * The fault plan of a run, drawn from a seed: at least one kill of every node
 * kind, one cut of each dependency, combined faults (a kill during a cut, two
 * cuts at once) and an outage of each listener longer than the out-of-order
 * window, then more random faults as the run gets longer. Faults sit in the
 * middle of the load, evenly spaced with jitter, so the load runs before the
 * first and after the last to show recovery.
 */
import type { ServiceName } from "../../lib/platform/config/config";
import { kindOf, type NodeKind } from "./layout";
import { pick, shuffled } from "./random";

export const DEPENDENCIES = ["postgres", "redis", "kafka"] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

export const LISTENERS = ["reserve-listener", "payment-listener"] as const satisfies ServiceName[];
export type Listener = (typeof LISTENERS)[number];

/**
 * OUT_OF_ORDER_WINDOW_MS of the run's nodes. Short, so that an outage longer
 * than it fits twice even in the 2-minute run, and so that a listener that
 * expired parked messages by the clock alone would dead-letter them in every
 * outage; still far above the milliseconds between a saga's reserve and its
 * payment when both listeners run.
 */
export const CHAOS_OUT_OF_ORDER_WINDOW_MS = 10_000;

/**
 * A cut lasts `ms`; a kill SIGKILLs one node of `kind` `afterMs` into the fault, and it is restarted at once;
 * an outage stops every node running `outage` for `ms` (their other services go on without it).
 */
export type FaultPart = { cut: Dependency; ms: number } | { kill: string; afterMs: number } | { outage: Listener; ms: number };

export interface PlannedFault {
	/** Milliseconds after the load starts. */
	at: number;
	parts: FaultPart[];
}

export interface ScheduleOptions {
	durationMs: number;
	layout: NodeKind[];
	random: () => number;
}

/** One more fault for every this much load beyond the required set. */
const MS_PER_FAULT = 20_000;
const CUT_MIN_MS = 3_000;
const CUT_SPREAD_MS = 3_000;
/** An outage outlasts the window by this much at least, and up to twice as much. */
const OUTAGE_BEYOND_WINDOW_MS = 5_000;
/** Faults fall between these shares of the load's duration. */
const FIRST_AT = 0.1;
const LAST_AT = 0.75;

/** A part's kind: what the run counts, and what every run must make at least once if planned. */
export const partName = (part: FaultPart): string => ("cut" in part ? `cut ${part.cut}` : "kill" in part ? `kill ${part.kill}` : `outage ${part.outage}`);

export const faultName = (fault: Pick<PlannedFault, "parts">): string => fault.parts.map(partName).join(" + ");

export function planFaults({ durationMs, layout, random }: ScheduleOptions): PlannedFault[] {
	const cut = (dependency: Dependency): FaultPart => ({ cut: dependency, ms: CUT_MIN_MS + Math.round(random() * CUT_SPREAD_MS) });
	const kill = (kind: string, afterMs = 0): FaultPart => ({ kill: kind, afterMs });
	const outage = (listener: Listener): FaultPart => ({ outage: listener, ms: CHAOS_OUT_OF_ORDER_WINDOW_MS + Math.round((1 + random()) * OUTAGE_BEYOND_WINDOW_MS) });
	const kinds = layout.map((k) => k.kind);
	const combined: FaultPart[][] = [
		[cut("postgres"), kill(kindOf(layout, "orders"), 1_000)],
		[cut("redis"), cut("kafka")],
		[cut("kafka"), kill(kindOf(layout, "outbox-relay"), 1_000)],
	];
	const required: FaultPart[][] = [...kinds.map((k) => [kill(k)]), ...DEPENDENCIES.map((d) => [cut(d)]), ...combined, ...LISTENERS.map((l) => [outage(l)])];
	const extra = Math.max(0, Math.floor(durationMs / MS_PER_FAULT) - required.length);
	const random1 = (): FaultPart[] => (random() < 0.5 ? [kill(pick(random, kinds))] : [cut(pick(random, DEPENDENCIES))]);
	const all = shuffled(random, [...required, ...Array.from({ length: extra }, random1)]);
	const slot = ((LAST_AT - FIRST_AT) * durationMs) / all.length;
	return all.map((parts, i) => ({ at: Math.round(FIRST_AT * durationMs + i * slot + random() * slot * 0.3), parts }));
}
