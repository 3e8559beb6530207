/**
 * The run's nodes: every kind of the layout twice, each in a slot that keeps its
 * HTTP port across restarts. `kill` SIGKILLs one node of a kind once its twin
 * runs (never the last running one) and starts its replacement at once, retrying while a cut dependency stops it from
 * starting. `takeAway` and `giveBack` take one service off every node for a
 * while, the rest of their services going on. A node that dies on its own is a
 * crash: recorded (a broken invariant) and restarted too.
 * Every node's output goes to a log file of the run.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ServiceName } from "../../lib/platform/config/config";
import { answersPing, nodeProcesses, within, type NodeProcess } from "../cluster/processes";
import { freePort } from "../cluster/ports";
import { REPLICAS, type NodeKind } from "./layout";
import { pick } from "./random";

interface Slot {
	kind: NodeKind;
	/** What the slot's node runs: its kind's services, but for one taken away by an outage. */
	services: ServiceName[];
	name: string;
	port: number;
	node: NodeProcess;
	/** Set while the slot's node is being replaced. */
	restarting?: Promise<void>;
}

export interface ChaosCluster {
	/** HTTP ports of the slots whose nodes run the gateway. */
	gatewayPorts: number[];
	/**
	 * SIGKILLs one node of `kind` and restarts it in the background; answers its
	 * node ID, or null when the kill was skipped: a kill never takes down the last
	 * running node of a kind, so it waits (bounded) for a restarting twin to run.
	 */
	kill(kind: string, random: () => number): Promise<string | null>;
	/**
	 * An outage of `service`: starts nodes of the rest of each affected kind's
	 * services beside the nodes that run it, then stops those (SIGTERM); answers
	 * when it was gone from the last one. Faults are played one at a time, so no
	 * kill of these kinds comes before `giveBack`.
	 */
	takeAway(service: ServiceName): Promise<number>;
	/** Starts whole nodes again where `service` was taken away, then stops the ones without it; answers when the first whole node ran. */
	giveBack(service: ServiceName): Promise<number>;
	/** Milliseconds each restart took from the kill to the new node running. */
	restartTimes: number[];
	/** Nodes that ended without being killed: "<node id> (<exit>)". */
	crashes: string[];
	/** Waits until every slot runs a node again; throws if one never did. */
	settle(): Promise<void>;
	stop(): Promise<void>;
}

/** Failure guards, not timings: starts compete for 2 busy cores. */
const RESTART_ATTEMPTS = 20;
const RESTART_PAUSE_MS = 2_000;
const SLOT_READY_GUARD_MS = 600_000;
/** How long a kill waits for the twins of its victim to run; past it the kill is skipped. */
const TWIN_READY_GUARD_MS = 90_000;

export async function startChaosCluster(layout: NodeKind[], env: Record<string, string>, logDir: string): Promise<ChaosCluster> {
	const processes = nodeProcesses(env);
	const restartTimes: number[] = [];
	/** Slots whose node never ran again: settle() reports them. */
	const failures: Error[] = [];
	const crashes: string[] = [];
	/** Nodes this run ended on purpose; any other exit is a crash. */
	const ended = new Set<NodeProcess>();
	let stopping = false;

	const launch = async (slot: Pick<Slot, "services" | "name" | "port">): Promise<NodeProcess> => {
		const gateway = slot.services.includes("api-gateway");
		const node = await processes.spawn({
			name: slot.name,
			services: slot.services,
			// moleculer-web logs every request at info: gateways run at warn and are ready when they answer.
			env: { PORT: String(slot.port), ...(gateway ? { LOG_LEVEL: "warn" } : {}) },
			probe: gateway ? answersPing : undefined,
		});
		const log = join(logDir, `${slot.name}.log`);
		const write = (chunk: Buffer) => appendFileSync(log, chunk);
		node.child.stdout?.on("data", write);
		node.child.stderr?.on("data", write);
		const ran = await within(node.ready.then(() => true), SLOT_READY_GUARD_MS, false);
		if (!ran) {
			await node.stop("SIGKILL");
			throw new Error(`node ${node.nodeId} did not run; see ${log}`);
		}
		void node.exited.then((exit) => {
			if (stopping || ended.has(node)) return;
			crashes.push(`${node.nodeId} (${exit.signal ?? `exit ${exit.code}`}, see ${log})`);
			const slot = slots.find((s) => s.node === node);
			if (slot) replace(slot, Date.now());
		});
		return node;
	};

	/** Starts a slot's node, again while a node gives up at start-up (a dependency slow or cut). */
	const launchPersistently = async (slot: Pick<Slot, "services" | "name" | "port">): Promise<NodeProcess> => {
		for (let attempt = 1; ; attempt++) {
			try {
				return await launch(slot);
			} catch (err) {
				// A node that finds a dependency cut exits at start-up: try again once it may be back.
				if (attempt >= RESTART_ATTEMPTS) throw err;
				await sleep(RESTART_PAUSE_MS);
			}
		}
	};

	const relaunch = async (slot: Slot, killedAt: number): Promise<void> => {
		slot.node = await launchPersistently(slot);
		restartTimes.push(Date.now() - killedAt);
	};

	const replace = (slot: Slot, since: number) => {
		slot.restarting = relaunch(slot, since)
			.catch((err: Error) => void failures.push(err))
			.finally(() => (slot.restarting = undefined));
	};

	/** A node of `services` for `slot`, started beside the one it has; null if it never ran (settle() reports it). */
	const beside = async (slot: Slot, services: ServiceName[], port: number): Promise<NodeProcess | null> => {
		try {
			return await launchPersistently({ name: slot.name, services, port });
		} catch (err) {
			failures.push(err as Error);
			return null;
		}
	};

	/** Ends a slot's node on purpose; `next` (running `services`) takes its place, or nothing does. */
	const handOver = async (slot: Slot, next: NodeProcess | null, services: ServiceName[]): Promise<void> => {
		ended.add(slot.node);
		await slot.node.stop("SIGTERM");
		slot.services = services;
		if (next) slot.node = next;
	};

	const specs = layout.flatMap((kind) => Array.from({ length: REPLICAS }, (_, i) => ({ kind, services: kind.services, name: `${kind.kind}-${"ab"[i]}` })));
	const slots: Slot[] = [];
	const started = await Promise.all(
		specs.map(async (spec) => {
			const port = await freePort();
			return { ...spec, port, node: await launchPersistently({ ...spec, port }) };
		}),
	);
	slots.push(...started);

	return {
		gatewayPorts: slots.filter((s) => s.kind.services.includes("api-gateway")).map((s) => s.port),
		restartTimes,
		crashes,
		async kill(kind, random) {
			const ofKind = slots.filter((s) => s.kind.kind === kind);
			// Every twin must run: killing the last running node of a kind would take the whole kind down.
			const twinsRun = await within(
				Promise.all(ofKind.map((s) => s.restarting)).then(() => true),
				TWIN_READY_GUARD_MS,
				false,
			);
			if (!twinsRun || ofKind.some((s) => s.restarting)) return null;
			const slot = pick(random, ofKind);
			const nodeId = slot.node.nodeId;
			const killedAt = Date.now();
			ended.add(slot.node);
			await slot.node.stop("SIGKILL");
			replace(slot, killedAt);
			return nodeId;
		},
		async takeAway(service) {
			const hit = slots.filter((s) => s.kind.services.includes(service));
			if (hit.some((s) => s.kind.services.includes("api-gateway"))) throw new Error(`an outage of ${service} would stop a gateway its clients use: no layout runs the two on one node`);
			await Promise.all(hit.map((s) => s.restarting));
			const rest = (s: Slot) => s.kind.services.filter((other) => other !== service);
			// The rest of each kind's services start first, beside the whole nodes: only `service` goes away.
			const next = await Promise.all(hit.map(async (s) => (rest(s).length > 0 ? beside(s, rest(s), await freePort()) : null)));
			await Promise.all(hit.map((s, i) => handOver(s, next[i], rest(s))));
			return Date.now();
		},
		async giveBack(service) {
			let back = Infinity;
			const whole = async (slot: Slot) => {
				const node = await beside(slot, slot.kind.services, slot.port);
				if (!node) return;
				back = Math.min(back, Date.now());
				await handOver(slot, node, slot.kind.services);
			};
			await Promise.all(slots.filter((s) => s.kind.services.includes(service) && !s.services.includes(service)).map(whole));
			return Number.isFinite(back) ? back : Date.now();
		},
		async settle() {
			await Promise.all(slots.map((s) => s.restarting));
			if (failures.length > 0) throw new Error(`${failures.length} node(s) never ran again: ${failures[0].message}`);
		},
		async stop() {
			stopping = true;
			await processes.stopAll("SIGKILL");
		},
	};
}
