/**
 * Plays the fault plan against the run's proxies and nodes, each fault at its
 * planned time (or when the previous one is done, if later), and records when
 * each one took effect and ended. A cut is always restored, also on abort.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { TcpProxy } from "../cluster/tcp-proxy";
import type { ChaosCluster } from "./chaos-cluster";
import type { FaultWindow } from "./recovery";
import { faultName, type Dependency, type FaultPart, type PlannedFault } from "./schedule";

export interface FaultTargets {
	cluster: ChaosCluster;
	proxies: Record<Dependency, TcpProxy>;
	/** Picks which node of a kind dies. */
	random: () => number;
	log: (line: string) => void;
	signal: AbortSignal;
}

/** Plays one part; answers when it took effect and when it ended (a kill ends as it happens). */
async function play(part: FaultPart, { cluster, proxies, random, signal }: FaultTargets): Promise<{ start: number; end: number; what: string }> {
	if ("kill" in part) {
		await sleep(part.afterMs, undefined, { signal });
		const nodeId = await cluster.kill(part.kill, random);
		const now = Date.now();
		return { start: now, end: now, what: `killed ${nodeId}` };
	}
	const proxy = proxies[part.cut];
	const start = Date.now();
	proxy.cut();
	try {
		await sleep(part.ms, undefined, { signal });
	} finally {
		proxy.restore();
	}
	return { start, end: Date.now(), what: `${part.cut} cut ${part.ms} ms` };
}

export async function playFaults(plan: PlannedFault[], loadStart: number, targets: FaultTargets): Promise<FaultWindow[]> {
	const windows: FaultWindow[] = [];
	for (const fault of plan) {
		await sleep(Math.max(0, loadStart + fault.at - Date.now()), undefined, { signal: targets.signal });
		const parts = await Promise.all(fault.parts.map((part) => play(part, targets)));
		const window = { name: faultName(fault), start: Math.min(...parts.map((p) => p.start)), end: Math.max(...parts.map((p) => p.end)) };
		windows.push(window);
		targets.log(`fault ${windows.length}/${plan.length} at +${Math.round((window.start - loadStart) / 1000)} s: ${parts.map((p) => p.what).join(", ")}`);
	}
	return windows;
}
