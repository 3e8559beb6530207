/**
 * Plays the fault plan against the run's proxies and nodes, each fault at its
 * planned time (or when the previous one is done, if later), and records when
 * each part took effect and ended, with the evidence that it did: the
 * connections a cut refused, whether an outage's consumer group stood empty.
 * A cut is always restored, also on abort.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { TcpProxy } from "../cluster/tcp-proxy";
import type { ChaosCluster } from "./chaos-cluster";
import type { FaultWindow } from "./recovery";
import { partName, type Dependency, type FaultPart, type Listener, type PlannedFault } from "./schedule";

export interface FaultTargets {
	cluster: ChaosCluster;
	proxies: Record<Dependency, TcpProxy>;
	/** Members of a listener's consumer group now, read from the broker. */
	groupMembers: (listener: Listener) => Promise<number>;
	/** Picks which node of a kind dies. */
	random: () => number;
	log: (line: string) => void;
	signal: AbortSignal;
}

/** One part of a fault as it was played. */
export interface PlayedPart {
	part: FaultPart;
	/** Its kind (`partName`): "kill relay", "cut kafka", "outage reserve-listener". */
	name: string;
	start: number;
	end: number;
	what: string;
	/** A kill skipped because its victim's twin did not run in time. */
	skipped?: boolean;
	/** A cut: connections it refused. */
	refused?: number;
	/** An outage: members left in the listener's consumer group at its end (0: nobody consumed), after waiting out a dead member's session. */
	members?: number;
}

export interface PlayedFaults {
	/** The faults that took effect, named after their parts that did. */
	windows: FaultWindow[];
	parts: PlayedPart[];
}

/**
 * How long an outage waits past its planned end for its group to empty: a node
 * SIGKILLed just before stays a member until kafkajs' 30 s session timeout ends.
 */
const GROUP_EMPTY_GUARD_MS = 45_000;
const GROUP_POLL_MS = 1_000;

/** Members of the group once it is empty, or when the guard ends. */
async function emptied(members: () => Promise<number>, signal: AbortSignal): Promise<number> {
	const deadline = Date.now() + GROUP_EMPTY_GUARD_MS;
	for (;;) {
		const now = await members();
		if (now === 0 || Date.now() > deadline) return now;
		await sleep(GROUP_POLL_MS, undefined, { signal });
	}
}

/** Plays one part; answers when it took effect and when it ended (a kill ends as it happens). */
async function play(part: FaultPart, { cluster, proxies, groupMembers, random, signal }: FaultTargets): Promise<PlayedPart> {
	const name = partName(part);
	if ("kill" in part) {
		await sleep(part.afterMs, undefined, { signal });
		const nodeId = await cluster.kill(part.kill, random);
		const now = Date.now();
		if (nodeId === null) return { part, name, start: now, end: now, what: `skipped the kill of a ${part.kill} node (its twin did not run in time)`, skipped: true };
		return { part, name, start: now, end: now, what: `killed ${nodeId}` };
	}
	if ("outage" in part) {
		const start = await cluster.takeAway(part.outage);
		await sleep(Math.max(0, start + part.ms - Date.now()), undefined, { signal });
		const members = await emptied(() => groupMembers(part.outage), signal);
		const end = await cluster.giveBack(part.outage);
		return { part, name, start, end, what: `${part.outage} down ${end - start} ms (${members} group members at its end)`, members };
	}
	const proxy = proxies[part.cut];
	const start = Date.now();
	proxy.cut();
	try {
		await sleep(part.ms, undefined, { signal });
	} finally {
		proxy.restore();
	}
	return { part, name, start, end: Date.now(), what: `${part.cut} cut ${part.ms} ms (${proxy.refused} connections refused)`, refused: proxy.refused };
}

export async function playFaults(plan: PlannedFault[], loadStart: number, targets: FaultTargets): Promise<PlayedFaults> {
	const windows: FaultWindow[] = [];
	const played: PlayedPart[] = [];
	for (const [i, fault] of plan.entries()) {
		await sleep(Math.max(0, loadStart + fault.at - Date.now()), undefined, { signal: targets.signal });
		const parts = await Promise.all(fault.parts.map((part) => play(part, targets)));
		targets.log(`fault ${i + 1}/${plan.length} at +${Math.round((Math.min(...parts.map((p) => p.start)) - loadStart) / 1000)} s: ${parts.map((p) => p.what).join(", ")}`);
		played.push(...parts);
		const happened = parts.filter((p) => !p.skipped);
		if (happened.length === 0) continue;
		windows.push({
			name: happened.map((p) => p.name).join(" + "),
			start: Math.min(...happened.map((p) => p.start)),
			end: Math.max(...happened.map((p) => p.end)),
		});
	}
	return { windows, parts: played };
}
