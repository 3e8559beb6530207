/**
 * Service nodes as separate processes (bench/node.ts), so a figure measures a
 * deployed node and not a load generator sharing its event loop. A node runs
 * compiled (dist/, `npm run bench` builds it first) with the node flags of its
 * production start script (bench/production-start.ts), as production runs it:
 * no ts-node compiler in its memory or CPU.
 * `rssMb` reads the node's resident memory from /proc (Linux), `cpuMs` its CPU time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ServiceName } from "../lib/platform/config/config";
import { freePort } from "../dev/cluster/ports";
import { EVENT_LOOP_LINE } from "./load-gauges";
import { productionArgs, type ProductionStart } from "./production-start";
import { now, sleep } from "./support";

const root = resolve(__dirname, "..");
/** The production start script's node flags (its command line without `node` and the runner). */
const flagsOf = (start: ProductionStart): string[] => productionArgs(start).filter((word) => word.startsWith("--"));
/** Guards, not timings: a node start on a busy machine is slow. */
const READY_GUARD_MS = 120_000;
const STOP_GUARD_MS = 20_000;

export interface BenchNode {
	kind: string;
	port: number;
	/** Its gRPC port (GRPC_PORT), meaningful when it runs the grpc-gateway. */
	grpcPort: number;
	rssMb(): number;
	/** CPU time the node's process has used so far (user + system), in ms. */
	cpuMs(): number;
	/** Starts averaging the event loop utilization the node reports; the function answers it (0..1, null before a report). */
	eventLoop(): () => number | null;
	stop(): Promise<void>;
}

export interface NodeOptions {
	kind: string;
	services: ServiceName[];
	env: Record<string, string>;
	/** Extra node flags, e.g. --cpu-prof. */
	nodeFlags?: string[];
	/** The entry point (TypeScript source path, run from its compiled twin in dist/); a service node by default. */
	script?: string;
	/** Whose node flags it runs with (./production-start.ts); `start:prod` by default. */
	start?: ProductionStart;
}

const living = new Set<ChildProcess>();
process.once("exit", () => living.forEach((child) => child.kill("SIGKILL")));

/** A failed start's explanation: what the node wrote (stdout and stderr, the last 8,000 characters). */
const said = (output: string): string => (output.trim() === "" ? "it wrote nothing on stdout or stderr" : `its stdout and stderr:\n${output}`);

function rssOf(pid: number): number {
	const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
	return line ? Math.round(Number(line.replace(/\D+/g, "")) / 1024) : Number.NaN;
}

/** utime + stime of /proc/<pid>/stat (fields 14 and 15, after the command's closing parenthesis), in clock ticks of 10 ms. */
export function cpuOfPid(pid: number): number {
	const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
	return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU ms so far of each of `pids`, by pid; a process that ended meanwhile (or runs elsewhere) is left out. */
export function cpuOfPids(pids: number[]): Map<number, number> {
	const times = new Map<number, number>();
	for (const pid of pids) {
		try {
			times.set(pid, cpuOfPid(pid));
		} catch {
			// ended meanwhile: its CPU since the last reading is lost
		}
	}
	return times;
}

export async function startNode({ kind, services, env, nodeFlags = [], script = "bench/node.ts", start = "start:prod" }: NodeOptions): Promise<BenchNode> {
	const port = await freePort();
	const grpcPort = await freePort();
	const compiled = resolve(root, "dist", script.replace(/\.ts$/, ".js"));
	if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npm run build\` (npm run bench does)`);
	const child = spawn(process.execPath, [...flagsOf(start), ...nodeFlags, compiled], {
		cwd: root,
		env: { ...process.env, ...env, SERVICES: services.join(","), PORT: String(port), GRPC_PORT: String(grpcPort), METRICS: "off", PROBES: "off", NODE_ID: `bench-${kind}-${port}` },
		stdio: ["ignore", "pipe", "pipe"],
	});
	living.add(child);
	let output = "";
	const ended = () => `bench node ${kind} ended (exit code ${child.exitCode}) before it ran; ${said(output)}`;
	const utilization: number[] = [];
	const exited = new Promise<void>((done) => child.once("exit", () => (living.delete(child), done())));
	const ready = new Promise<void>((done, fail) => {
		const collect = (chunk: Buffer) => {
			const text = chunk.toString();
			for (const [, value] of text.matchAll(EVENT_LOOP_LINE)) utilization.push(Number(value));
			output = (output + text).slice(-8_000);
			if (output.includes("bench node ready")) done();
		};
		child.stdout.on("data", collect);
		child.stderr.on("data", collect);
		void exited.then(() => fail(new Error(ended())));
	});
	ready.catch(() => undefined); // a node that dies after it ran is not an unhandled rejection
	const deadline = now() + READY_GUARD_MS;
	await Promise.race([ready, (async () => { while (now() < deadline && child.exitCode === null) await sleep(250); })()]);
	if (!output.includes("bench node ready")) {
		if (child.exitCode !== null) throw new Error(ended());
		child.kill("SIGKILL");
		throw new Error(`bench node ${kind} did not run within ${READY_GUARD_MS} ms; ${said(output)}`);
	}
	return {
		kind,
		port,
		grpcPort,
		rssMb: () => rssOf(child.pid as number),
		cpuMs: () => cpuOfPid(child.pid as number),
		eventLoop() {
			const from = utilization.length;
			return () => {
				const seen = utilization.slice(from);
				return seen.length === 0 ? null : seen.reduce((a, b) => a + b, 0) / seen.length;
			};
		},
		async stop() {
			if (child.exitCode !== null) return;
			child.kill("SIGTERM");
			const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GUARD_MS);
			await exited;
			clearTimeout(timer);
		},
	};
}
