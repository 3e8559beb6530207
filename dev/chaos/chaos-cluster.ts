/**
 * The run's nodes: every kind of the layout twice, each in a slot that keeps its
 * HTTP port across restarts. `kill` SIGKILLs one running node of a kind and
 * starts its replacement at once, retrying while a cut dependency stops it from
 * starting. Every node's output goes to a log file of the run.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { answersPing, nodeProcesses, within, type NodeProcess } from "../cluster/processes";
import { freePort } from "../cluster/ports";
import { REPLICAS, type NodeKind } from "./layout";
import { pick } from "./random";

interface Slot {
	kind: NodeKind;
	name: string;
	port: number;
	node: NodeProcess;
	/** Set while the slot's node is being replaced. */
	restarting?: Promise<void>;
}

export interface ChaosCluster {
	/** HTTP ports of the slots whose nodes run the gateway. */
	gatewayPorts: number[];
	/** SIGKILLs one node of `kind` and restarts it in the background; answers its node ID. */
	kill(kind: string, random: () => number): Promise<string>;
	/** Milliseconds each restart took from the kill to the new node running. */
	restartTimes: number[];
	/** Waits until every slot runs a node again; throws if one never did. */
	settle(): Promise<void>;
	stop(): Promise<void>;
}

/** Failure guards, not timings: starts compete for 2 busy cores. */
const RESTART_ATTEMPTS = 20;
const RESTART_PAUSE_MS = 2_000;
const SLOT_READY_GUARD_MS = 180_000;

export async function startChaosCluster(layout: NodeKind[], env: Record<string, string>, logDir: string): Promise<ChaosCluster> {
	const processes = nodeProcesses(env);
	const restartTimes: number[] = [];
	/** Slots whose node never ran again: settle() reports them. */
	const failures: Error[] = [];

	const launch = async (slot: Pick<Slot, "kind" | "name" | "port">): Promise<NodeProcess> => {
		const gateway = slot.kind.services.includes("api-gateway");
		const node = await processes.spawn({
			name: slot.name,
			services: slot.kind.services,
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
		return node;
	};

	const relaunch = async (slot: Slot, killedAt: number): Promise<void> => {
		for (let attempt = 1; ; attempt++) {
			try {
				slot.node = await launch(slot);
				restartTimes.push(Date.now() - killedAt);
				return;
			} catch (err) {
				// A node that finds a dependency cut exits at start-up: try again once it may be back.
				if (attempt >= RESTART_ATTEMPTS) throw err;
				await sleep(RESTART_PAUSE_MS);
			}
		}
	};

	const specs = layout.flatMap((kind) => Array.from({ length: REPLICAS }, (_, i) => ({ kind, name: `${kind.kind}-${"ab"[i]}` })));
	const slots: Slot[] = await Promise.all(
		specs.map(async (spec) => {
			const port = await freePort();
			return { ...spec, port, node: await launch({ ...spec, port }) };
		}),
	);

	return {
		gatewayPorts: slots.filter((s) => s.kind.services.includes("api-gateway")).map((s) => s.port),
		restartTimes,
		async kill(kind, random) {
			const ofKind = slots.filter((s) => s.kind.kind === kind);
			// Kill only when every node of the kind runs: a kind is never down because a restart is slow.
			await Promise.all(ofKind.map((s) => s.restarting));
			const slot = pick(random, ofKind);
			const nodeId = slot.node.nodeId;
			const killedAt = Date.now();
			await slot.node.stop("SIGKILL");
			slot.restarting = relaunch(slot, killedAt)
				.catch((err: Error) => void failures.push(err))
				.finally(() => (slot.restarting = undefined));
			return nodeId;
		},
		async settle() {
			await Promise.all(slots.map((s) => s.restarting));
			if (failures.length > 0) throw new Error(`${failures.length} node(s) never ran again: ${failures[0].message}`);
		},
		stop: () => processes.stopAll("SIGKILL"),
	};
}
