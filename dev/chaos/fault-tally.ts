/**
 * What a run made of its fault plan: how many faults of each kind it planned
 * and made, and the checks that fail the run when a planned fault did not
 * happen. Pure, so a fault that did not happen can be shown to fail the run
 * with made-up parts.
 */
import type { PlayedPart } from "./faults";
import { check, type Check } from "./invariants";
import { partName, type PlannedFault } from "./schedule";

export interface KindTally {
	/** "kill relay", "cut kafka", "outage reserve-listener". */
	kind: string;
	planned: number;
	made: number;
	/** Kills skipped because the victim's twin did not run in time. */
	skipped: number;
	/** Connections the kind's cuts refused. */
	refused: number;
	/** The longest outage of the kind, in milliseconds. */
	longestMs: number;
}

export interface FaultTally {
	kinds: KindTally[];
	checks: Check[];
}

/**
 * Whether a played part happened: a kill that was not skipped, a cut that
 * refused at least one connection (someone noticed it), an outage longer than
 * the out-of-order window with nobody left in its listener's consumer group.
 */
export function tookEffect(played: PlayedPart, windowMs: number): boolean {
	if ("kill" in played.part) return !played.skipped;
	if ("cut" in played.part) return (played.refused ?? 0) > 0;
	return played.members === 0 && played.end - played.start > windowMs;
}

export function tallyFaults(plan: PlannedFault[], played: PlayedPart[], windowMs: number): FaultTally {
	const kinds = new Map<string, KindTally>();
	const of = (kind: string): KindTally => {
		let tally = kinds.get(kind);
		if (!tally) kinds.set(kind, (tally = { kind, planned: 0, made: 0, skipped: 0, refused: 0, longestMs: 0 }));
		return tally;
	};
	for (const part of plan.flatMap((f) => f.parts)) of(partName(part)).planned++;
	for (const p of played) {
		const tally = of(p.name);
		if (tookEffect(p, windowMs)) tally.made++;
		if (p.skipped) tally.skipped++;
		tally.refused += p.refused ?? 0;
		if ("outage" in p.part) tally.longestMs = Math.max(tally.longestMs, p.end - p.start);
	}
	const sorted = [...kinds.values()].sort((a, b) => a.kind.localeCompare(b.kind));
	// A skipped kill is no failure while its kind was killed another time; a cut or outage that did not take effect is.
	const ineffective = played.filter((p) => !("kill" in p.part) && !tookEffect(p, windowMs));
	return {
		kinds: sorted,
		checks: [
			check("every planned fault kind made", sorted.filter((k) => k.planned > 0 && k.made === 0).map((k) => k.kind)),
			check(
				"every cut refused a connection; every listener outage emptied its group past the window",
				ineffective.map((p) => p.what),
			),
		],
	};
}
