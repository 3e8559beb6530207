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

interface Played {
	start: number;
	end: number;
	what: string;
	/** The part's name in its fault's window. */
	name: string;
	/** A kill skipped because its victim's twin did not run in time. */
	skipped?: boolean;
}

export interface PlayedFaults {
	/** The faults that took effect, named after their parts that did. */
	windows: FaultWindow[];
	skippedKills: number;
}

/** Plays one part; answers when it took effect and when it ended (a kill ends as it happens). */
async function play(part: FaultPart, { cluster, proxies, random, signal }: FaultTargets): Promise<Played> {
	const name = faultName({ parts: [part] });
	if ("kill" in part) {
		await sleep(part.afterMs, undefined, { signal });
		const nodeId = await cluster.kill(part.kill, random);
		const now = Date.now();
		if (nodeId === null) return { start: now, end: now, name, what: `skipped the kill of a ${part.kill} node (its twin did not run in time)`, skipped: true };
		return { start: now, end: now, name, what: `killed ${nodeId}` };
	}
	const proxy = proxies[part.cut];
	const start = Date.now();
	proxy.cut();
	try {
		await sleep(part.ms, undefined, { signal });
	} finally {
		proxy.restore();
	}
	return { start, end: Date.now(), name, what: `${part.cut} cut ${part.ms} ms` };
}

export async function playFaults(plan: PlannedFault[], loadStart: number, targets: FaultTargets): Promise<PlayedFaults> {
	const windows: FaultWindow[] = [];
	let skippedKills = 0;
	for (const [i, fault] of plan.entries()) {
		await sleep(Math.max(0, loadStart + fault.at - Date.now()), undefined, { signal: targets.signal });
		const parts = await Promise.all(fault.parts.map((part) => play(part, targets)));
		targets.log(`fault ${i + 1}/${plan.length} at +${Math.round((Math.min(...parts.map((p) => p.start)) - loadStart) / 1000)} s: ${parts.map((p) => p.what).join(", ")}`);
		skippedKills += parts.filter((p) => p.skipped).length;
		const happened = parts.filter((p) => !p.skipped);
		if (happened.length === 0) continue;
		windows.push({
			name: happened.map((p) => p.name).join(" + "),
			start: Math.min(...happened.map((p) => p.start)),
			end: Math.max(...happened.map((p) => p.end)),
		});
	}
	return { windows, skippedKills };
}
