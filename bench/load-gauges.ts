/**
 * What a saga round is up against: how busy the machine's CPUs were (from
 * /proc/stat, Linux) and how busy a node's event loop was (the node prints
 * its utilization every second, `reportEventLoop`). On two shared cores
 * these, not any one statement, set the latency of every hop.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

function cpuTimes(): { busy: number; total: number } {
	const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
	const idle = fields[3] + (fields[4] ?? 0); // idle + iowait
	const total = fields.slice(0, 8).reduce((a, b) => a + b, 0); // guest time is already in user
	return { busy: total - idle, total };
}

/** Starts measuring; the returned function answers the share of CPU time busy since, in per cent. */
export function machineBusy(): () => number {
	const start = cpuTimes();
	return () => {
		const end = cpuTimes();
		return Math.round((100 * (end.busy - start.busy)) / Math.max(1, end.total - start.total));
	};
}

/** The line a node prints: "bench event loop <utilization 0..1>". */
export const EVENT_LOOP_LINE = /bench event loop ([\d.]+)/g;

/** Prints the event loop's utilization over the last second, every second (bench nodes only). */
export function reportEventLoop(): void {
	let last = performance.eventLoopUtilization();
	setInterval(() => {
		const now = performance.eventLoopUtilization();
		console.log(`bench event loop ${performance.eventLoopUtilization(now, last).utilization.toFixed(3)}`);
		last = now;
	}, 1_000).unref();
}
