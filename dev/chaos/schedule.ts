/**
 * The fault plan of a run, drawn from a seed: at least one kill of every node
 * kind, one cut of each dependency, and combined faults (a kill during a cut,
 * two cuts at once), then more random faults as the run gets longer. Faults sit
 * in the middle of the load, evenly spaced with jitter, so the load runs
 * before the first and after the last to show recovery.
 */
import { kindOf, type NodeKind } from "./layout";
import { pick, shuffled } from "./random";

export const DEPENDENCIES = ["postgres", "redis", "kafka"] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

/** A cut lasts `ms`; a kill SIGKILLs one node of `kind` `afterMs` into the fault, and it is restarted at once. */
export type FaultPart = { cut: Dependency; ms: number } | { kill: string; afterMs: number };

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
/** Faults fall between these shares of the load's duration. */
const FIRST_AT = 0.1;
const LAST_AT = 0.75;

export const faultName = (fault: Pick<PlannedFault, "parts">): string =>
	fault.parts.map((p) => ("cut" in p ? `cut ${p.cut}` : `kill ${p.kill}`)).join(" + ");

export function planFaults({ durationMs, layout, random }: ScheduleOptions): PlannedFault[] {
	const cut = (dependency: Dependency): FaultPart => ({ cut: dependency, ms: CUT_MIN_MS + Math.round(random() * CUT_SPREAD_MS) });
	const kill = (kind: string, afterMs = 0): FaultPart => ({ kill: kind, afterMs });
	const kinds = layout.map((k) => k.kind);
	const combined: FaultPart[][] = [
		[cut("postgres"), kill(kindOf(layout, "orders"), 1_000)],
		[cut("redis"), cut("kafka")],
		[cut("kafka"), kill(kindOf(layout, "outbox-relay"), 1_000)],
	];
	const required: FaultPart[][] = [...kinds.map((k) => [kill(k)]), ...DEPENDENCIES.map((d) => [cut(d)]), ...combined];
	const extra = Math.max(0, Math.floor(durationMs / MS_PER_FAULT) - required.length);
	const random1 = (): FaultPart[] => (random() < 0.5 ? [kill(pick(random, kinds))] : [cut(pick(random, DEPENDENCIES))]);
	const all = shuffled(random, [...required, ...Array.from({ length: extra }, random1)]);
	const slot = ((LAST_AT - FIRST_AT) * durationMs) / all.length;
	return all.map((parts, i) => ({ at: Math.round(FIRST_AT * durationMs + i * slot + random() * slot * 0.3), parts }));
}
