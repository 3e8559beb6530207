/** What every figure here shares: a throw-away database, latency statistics, bounded waits. */
import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { ensureDatabase } from "../lib/platform/clients/database";
import { migrateUp } from "../lib/platform/startup/migrations";
import { ratioSpread } from "./ratio-spread";

/** A migrated database for one figure, dropped afterwards. */
export async function withPrivateDatabase<T>(baseUrl: string, prefix: string, run: (url: string) => Promise<T>): Promise<T> {
	const url = new URL(baseUrl);
	const name = `${prefix}_${randomUUID().slice(0, 8)}`;
	url.pathname = `/${name}`;
	await ensureDatabase(url.toString());
	await migrateUp(url.toString());
	try {
		return await run(url.toString());
	} finally {
		url.pathname = "/postgres";
		const admin = new Client({ connectionString: url.toString() });
		await admin.connect();
		await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => admin.end());
	}
}

export const now = (): number => performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/** The q-quantile (0..1) of sorted samples; NaN when there are none. */
export function quantile(sorted: number[], q: number): number {
	if (sorted.length === 0) return Number.NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export interface Latency {
	p50_ms: number;
	p99_ms: number;
	max_ms: number;
}

export function latency(samples: number[]): Latency {
	const sorted = [...samples].sort((a, b) => a - b);
	return { p50_ms: round(quantile(sorted, 0.5)), p99_ms: round(quantile(sorted, 0.99)), max_ms: round(sorted.at(-1) ?? Number.NaN) };
}

/** Polls `done` every `everyMs` until it answers true; throws after `guardMs` (a guard, not a timing). */
export async function until(what: string, done: () => Promise<boolean>, guardMs: number, everyMs = 20): Promise<void> {
	const deadline = now() + guardMs;
	while (!(await done())) {
		if (now() > deadline) throw new Error(`benchmark: ${what} did not happen within ${guardMs} ms`);
		await sleep(everyMs);
	}
}

export interface LoadSlice {
	samples: number[];
	seconds: number;
	/** CPU time this process (the load generator) spent in the slice, in ms. */
	cpuMs: number;
}

const processCpuMs = (): number => {
	const { user, system } = process.cpuUsage();
	return (user + system) / 1000;
};

/**
 * `clients` loops calling `call` until `seconds` have passed; every call's latency
 * is kept. A failed call stops the run: a figure built on errors would lie.
 */
export async function closedLoop(clients: number, seconds: number, call: () => Promise<void>): Promise<LoadSlice> {
	const samples: number[] = [];
	const cpuAtStart = processCpuMs();
	const start = now();
	const end = start + seconds * 1000;
	await Promise.all(
		Array.from({ length: clients }, async () => {
			while (now() < end) {
				const t = now();
				await call();
				samples.push(now() - t);
			}
		}),
	);
	return { samples, seconds: (now() - start) / 1000, cpuMs: processCpuMs() - cpuAtStart };
}

/** One slice's calls per second. */
const rateOf = (slice: LoadSlice): number => slice.samples.length / slice.seconds;

/** Calls per second, latency, and the load generator's CPU per call over several slices of one load. */
export function summarize(slices: LoadSlice[]): { per_s: number; calls: number; client_cpu_ms_per_call: number } & Latency {
	const samples = slices.flatMap((s) => s.samples);
	const seconds = slices.reduce((sum, s) => sum + s.seconds, 0);
	const cpuMs = slices.reduce((sum, s) => sum + s.cpuMs, 0);
	return { per_s: Math.round(samples.length / seconds), calls: samples.length, client_cpu_ms_per_call: round(cpuMs / samples.length, 3), ...latency(samples) };
}

/**
 * Two loads in alternating slices (first, second, first, ...), so both see the same
 * machine: on a shared machine the neighbours' load changes from one second to the next.
 * Third: the spread of first / second over the pairs of slices (slice i of each).
 */
export async function alternate(slices: number, secondsEach: number, clients: number, first: () => Promise<void>, second: () => Promise<void>) {
	const a: LoadSlice[] = [];
	const b: LoadSlice[] = [];
	for (let i = 0; i < slices; i++) {
		a.push(await closedLoop(clients, secondsEach, first));
		b.push(await closedLoop(clients, secondsEach, second));
	}
	return [summarize(a), summarize(b), ratioSpread(a.map(rateOf), b.map(rateOf))] as const;
}

/** Runs a stand-alone benchmark's main and exits (kafkajs and pg keep sockets open otherwise). */
export function runBenchmark(main: () => Promise<void>): void {
	main().then(
		() => process.exit(0),
		(err: unknown) => {
			console.error(err);
			process.exit(1);
		},
	);
}
