/**
 * Nodes as separate OS processes (`npm start` with SERVICES), for tests and
 * the chaos run, which kill nodes for real. A harness per test file or run:
 * `start` spawns a node and waits for its runner's "node <id> runs:" line;
 * `stopAll` ends every node it started, also when the test failed. Nodes inherit this process's
 * environment (a test file's NAMESPACE, DATABASE_URL, topics and groups) unless
 * `baseEnv` or `env` says otherwise.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { kafkaBrokers, loadConfig, type ServiceName } from "../../lib/platform/config/config";
import { freePort } from "./ports";

const root = resolve(__dirname, "..", "..");
/** Output kept per node for failure messages: its tail is what explains a failure. */
const OUTPUT_TAIL = 64 * 1024;
/** Failure guards, not timings: a cold ts-node start on a busy 2-core machine is slow. */
const READY_GUARD_MS = 120_000;
const STOP_GUARD_MS = 30_000;

export interface Exit {
	code: number | null;
	signal: NodeJS.Signals | null;
}

export interface NodeSpec {
	/** Readable name; the node's Moleculer node ID is `<name>-<n>`. */
	name: string;
	services: ServiceName[];
	env?: Record<string, string>;
	/**
	 * Readiness other than the "runs:" line (logged at info), for a node run at a
	 * quieter LOG_LEVEL: polled until it answers true. Gets the node's HTTP port.
	 */
	probe?: (port: number) => Promise<boolean>;
	/** Another way to start it than `npm start` (bin/start.ts under ts-node): e.g. the compiled runner of a runtime image. */
	entry?: { cwd: string; args: string[] };
}

export interface NodeProcess {
	name: string;
	nodeId: string;
	child: ChildProcess;
	/** Its HTTP port (PORT), meaningful when it runs the api-gateway. */
	port: number;
	/** Its liveness and readiness port (PROBE_PORT), when PROBES is on. */
	probePort: number;
	/** The tail of its stdout and stderr. */
	output(): string;
	/** Resolves when the node says it runs; rejects if it exits first. */
	ready: Promise<void>;
	exited: Promise<Exit>;
	alive(): boolean;
	/** Sends `signal`; after a SIGTERM that does not end it within the guard, SIGKILL. Answers how it ended. */
	stop(signal?: "SIGTERM" | "SIGKILL"): Promise<Exit>;
}

export interface NodeProcesses {
	/** Spawns a node without waiting for it (a node that may die before it is ready). */
	spawn(spec: NodeSpec): Promise<NodeProcess>;
	/** Spawns a node and waits until it runs. */
	start(spec: NodeSpec): Promise<NodeProcess>;
	/** Every node started so far. */
	nodes: NodeProcess[];
	/** Ends every node still alive: SIGTERM, then SIGKILL past the guard. Never throws. */
	stopAll(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
}

/** `promise`'s value, or `late` after `ms` (the timer never outlives the race). */
export async function within<T, L>(promise: Promise<T>, ms: number, late: L): Promise<T | L> {
	let timer: NodeJS.Timeout | undefined;
	try {
		return await Promise.race([promise, new Promise<L>((done) => (timer = setTimeout(() => done(late), ms)))]);
	} finally {
		clearTimeout(timer);
	}
}

/** Children of this test process still alive: killed if the process exits without cleaning up. */
const living = new Set<ChildProcess>();
process.once("exit", () => {
	for (const child of living) child.kill("SIGKILL");
});

let sequence = 0;

/** `npm start`'s entry: the all-in-one node from the TypeScript sources. */
const DEV_ENTRY = { cwd: root, args: ["-r", "ts-node/register/transpile-only", "bin/start.ts"] };

/** Polls `probe` until it answers true (true) or `going` turns false (false); a throwing probe counts as not yet. */
async function pollUntil(probe: () => Promise<boolean>, going: () => boolean): Promise<boolean> {
	while (going()) {
		if (await probe().catch(() => false)) return true;
		await new Promise((r) => setTimeout(r, 250));
	}
	return false;
}

/** A probe: the node's REST gateway answers /api/ping. */
export const answersPing = async (port: number): Promise<boolean> => (await fetch(`http://127.0.0.1:${port}/api/ping`, { signal: AbortSignal.timeout(2_000) })).ok;

export function nodeProcesses(baseEnv: Record<string, string> = {}): NodeProcesses {
	const nodes: NodeProcess[] = [];

	async function spawnNode({ name, services, env = {}, probe, entry = DEV_ENTRY }: NodeSpec): Promise<NodeProcess> {
		const nodeId = `${name}-${++sequence}`;
		// A fixed PORT in `env` keeps a restarted gateway where its clients look for it.
		const port = env.PORT ? Number(env.PORT) : await freePort();
		const [metricsPort, probePort] = [await freePort(), await freePort()];
		let output = "";
		const child = spawn(process.execPath, entry.args, {
			cwd: entry.cwd,
			env: {
				...process.env,
				KAFKA_BROKERS: kafkaBrokers(loadConfig()).join(","),
				METRICS: "off",
				// info: the readiness line is logged at info; a node says little more once it runs.
				LOG_LEVEL: "info",
				...baseEnv,
				PORT: String(port),
				METRICS_PORT: String(metricsPort),
				PROBE_PORT: String(probePort),
				NODE_ID: nodeId,
				SERVICES: services.join(","),
				...env,
			},
			stdio: ["ignore", "pipe", "pipe"],
		});
		living.add(child);
		const exited = new Promise<Exit>((done) =>
			child.once("exit", (code, signal) => {
				living.delete(child);
				done({ code, signal });
			}),
		);
		let announce: () => void = () => undefined;
		const ready = new Promise<void>((done, fail) => {
			announce = done;
			void exited.then((exit) => fail(new Error(`node ${nodeId} ended (${exit.signal ?? exit.code}) before it ran:\n${output.slice(-4000)}`)));
		});
		ready.catch(() => undefined); // a node that is never awaited may end early without an unhandled rejection
		const collect = (chunk: Buffer) => {
			output = (output + chunk.toString()).slice(-OUTPUT_TAIL);
			if (output.includes(`node ${nodeId} runs:`)) announce();
		};
		child.stdout?.on("data", collect);
		child.stderr?.on("data", collect);
		const alive = () => child.exitCode === null && child.signalCode === null;
		if (probe) void pollUntil(() => probe(port), alive).then((answered) => answered && announce());
		const node: NodeProcess = {
			name,
			nodeId,
			child,
			port,
			probePort,
			output: () => output,
			ready,
			exited,
			alive,
			async stop(signal = "SIGTERM") {
				if (alive()) child.kill(signal);
				const exit = await within(exited, STOP_GUARD_MS, null);
				if (exit) return exit;
				child.kill("SIGKILL");
				return exited;
			},
		};
		nodes.push(node);
		return node;
	}

	return {
		nodes,
		spawn: spawnNode,
		async start(spec) {
			const node = await spawnNode(spec);
			const ran = await within(node.ready.then(() => true), READY_GUARD_MS, false);
			if (!ran) {
				await node.stop("SIGKILL");
				throw new Error(`node ${node.nodeId} did not run within ${READY_GUARD_MS} ms:\n${node.output().slice(-4000)}`);
			}
			return node;
		},
		async stopAll(signal = "SIGTERM") {
			await Promise.all(nodes.map((node) => node.stop(signal).catch(() => undefined)));
		},
	};
}
