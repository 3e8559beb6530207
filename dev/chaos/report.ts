/** The run's one table of figures and its verdict, as printed at the end. */
import type { FaultTally, KindTally } from "./fault-tally";
import type { Check, Facts, Judgement } from "./invariants";
import type { LoadStats } from "./load";
import { percentile, type Recovery } from "./recovery";

export interface Figures {
	/** Faults of each kind, planned and made. */
	faults: KindTally[];
	created: number;
	ordersInDatabase: number;
	lost: number;
	doubled: number;
	orderEvents: number;
	publishedDuplicates: number;
	consumed: number;
	deadLetters: Record<string, number>;
	answers: Record<string, number>;
	clientRetries: number;
	abandoned: number;
	refused: number;
	restarts: number;
	crashes: number;
	restartP99Ms: number | null;
	recoveryP50Ms: number | null;
	recoveryP99Ms: number | null;
	recoveryMaxMs: number | null;
	unrecovered: number;
}

const tally = (names: string[]) => names.reduce<Record<string, number>>((acc, n) => ((acc[n] = (acc[n] ?? 0) + 1), acc), {});

export function figuresOf(facts: Facts, judgement: Judgement, load: LoadStats, recovered: Recovery[], faults: FaultTally, restartTimes: number[], crashes: string[]): Figures {
	const times = recovered.flatMap((r) => (r.recoveredMs === null ? [] : [r.recoveredMs]));
	return {
		faults: faults.kinds,
		created: load.created.length,
		ordersInDatabase: facts.orders.length,
		lost: judgement.lost,
		doubled: judgement.doubled,
		orderEvents: facts.published.length,
		publishedDuplicates: judgement.publishedDuplicates,
		consumed: facts.consumed.length,
		deadLetters: tally(facts.deadLetters.map((d) => d.reason)),
		answers: load.answers,
		clientRetries: load.created.reduce((n, c) => n + c.retries, 0),
		abandoned: load.abandoned.length,
		refused: load.refused.length,
		restarts: restartTimes.length,
		crashes: crashes.length,
		restartP99Ms: percentile(restartTimes, 99),
		recoveryP50Ms: percentile(times, 50),
		recoveryP99Ms: percentile(times, 99),
		recoveryMaxMs: percentile(times, 100),
		unrecovered: recovered.length - times.length,
	};
}

const list = (counts: Record<string, number>) =>
	Object.entries(counts)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([k, n]) => `${k}: ${n}`)
		.join(", ") || "none";
const ms = (value: number | null) => (value === null ? "-" : `${value} ms`);
/** "4 of 4", and what shows each fault of the kind happened. */
const made = (k: KindTally) => {
	const evidence = k.kind.startsWith("cut ") ? `${k.refused} connections refused` : k.kind.startsWith("outage ") ? `longest ${ms(k.longestMs)}` : k.skipped > 0 ? `${k.skipped} skipped` : "";
	return `${k.made} of ${k.planned}${evidence ? ` (${evidence})` : ""}`;
};

export function table(f: Figures, checks: Check[]): string {
	const rows: Array<[string, string | number]> = [
		...f.faults.map((k): [string, string] => [`faults made: ${k.kind}`, made(k)]),
		["orders answered 201", f.created],
		["orders in the database", f.ordersInDatabase],
		["lost", f.lost],
		["doubled", f.doubled],
		["order events on Kafka (duplicates)", `${f.orderEvents} (${f.publishedDuplicates})`],
		["saga messages consumed", f.consumed],
		["dead letters", list(f.deadLetters)],
		["REST answers", list(f.answers)],
		["client retries / refused / abandoned", `${f.clientRetries} / ${f.refused} / ${f.abandoned}`],
		["node restarts (p99 to running)", `${f.restarts} (${ms(f.restartP99Ms)})`],
		["node crashes", f.crashes],
		["recovery p50 / p99 / max", `${ms(f.recoveryP50Ms)} / ${ms(f.recoveryP99Ms)} / ${ms(f.recoveryMaxMs)}`],
		["faults without recovery", f.unrecovered],
	];
	const width = Math.max(...rows.map(([name]) => name.length));
	const broken = checks.filter((c) => !c.ok);
	return [
		...rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`),
		...checks.map((c) => `${c.ok ? "ok    " : "BROKEN"}  ${c.name}${c.ok ? "" : `: ${c.detail}`}`),
		broken.length === 0 ? "verdict: every invariant holds" : `verdict: ${broken.length} invariant(s) broken`,
	].join("\n");
}
