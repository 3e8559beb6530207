/**
 * Judges a run's results against the targets (bench/limits.ts): met, missed, or
 * not measured. A figure the run measured but could not put a number on (an
 * unfinished round, a rate not held) is missed, never met by default.
 */
import { TARGETS, type Target } from "./limits";
import type { BenchResults } from "./report";

export type Verdict = "met" | "missed" | "not measured";

export interface Judgement {
	figure: string;
	target: string;
	value: number | null;
	verdict: Verdict;
}

function verdictOf(target: Target, value: number | null | undefined): Verdict {
	if (value === undefined) return "not measured";
	if (value === null) return "missed";
	return (target.kind === "min" ? value >= target.bound : value <= target.bound) ? "met" : "missed";
}

/** Every target's judgement, keyed by the target's id. */
export function judgeTargets(r: BenchResults): Record<string, Judgement> {
	const out: Record<string, Judgement> = {};
	for (const target of TARGETS) {
		const value = target.read(r);
		out[target.id] = { figure: target.figure, target: target.label, value: value ?? null, verdict: verdictOf(target, value) };
	}
	return out;
}

/** "≥ 0.8x: met" for a table's target column; "" when the id has no target. */
export function targetCell(judged: Record<string, Judgement>, id: string): string {
	const j = judged[id];
	return j === undefined ? "" : `${j.target}: **${j.verdict}**`;
}

/**
 * `--check`: the lines naming each target not met (missed or not measured) and
 * the exit code, 1 when there is any. A target not measured fails too: a check
 * that passes on a run that skipped the figure proves nothing.
 */
export function checkTargets(r: BenchResults): { lines: string[]; exitCode: 0 | 1 } {
	const failed = Object.values(judgeTargets(r)).filter((j) => j.verdict !== "met");
	const lines = failed.map((j) => `${j.verdict}: ${j.figure} (target ${j.target}, got ${j.value ?? "no figure"})`);
	return { lines, exitCode: failed.length > 0 ? 1 : 0 };
}
