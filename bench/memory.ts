/**
 * Resident memory of production nodes under a bounded load: the compiled
 * runtime (dev/runtime-image.ts, what the Docker image runs), each node started
 * the way production starts it (`npm run start:prod`, or `start:prod:batch` for
 * state or a listener alone: bench/production-start.ts), against the real
 * PostgreSQL, Redis and Kafka.
 *
 *   npm run bench:memory        # BENCH_ORDERS (default 2000), BENCH_CONCURRENCY (default 16)
 *   BENCH_NODE_ARGS="--max-semi-space-size=1" npm run bench:memory   # other node options, for every node
 *
 * Two layouts, one after the other: a single-service node per service,
 * then the all-in-one node (every service). Load per layout: BENCH_ORDERS
 * orders created over REST, each read back, a `reserve` CREATED message for
 * each (applied by the listener), every outbox event published; sampled every
 * 200 ms. Budget (issue 8): 120 MiB for a single-service node, 150 MiB all-in-one.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { Pool } from "pg";
import { ALL_SERVICES, kafkaBrokers, loadConfig, type ServiceName } from "../lib/platform/config/config";
import { contractTopics, createKafka, ensureTopics } from "../lib/platform/clients/kafka";
import { buildRuntimeImage } from "../dev/runtime-image";
import { freePort } from "../dev/cluster/ports";
import { nodeProcesses, type NodeProcess } from "../dev/cluster/processes";
import { kafkaNames } from "./context";
import { runBenchmark, withPrivateDatabase } from "./support";
import { readCommandLine } from "../bin/command-line";
import { memorySection, writeMemorySection } from "./memory-doc";
import { productionArgs, productionStartOf } from "./production-start";
import { codeVersion, loadAverage } from "./provenance";

readCommandLine({
	command: "npm run bench:memory",
	summary: "Resident memory of each production node kind under a bounded load. Environment: BENCH_ORDERS (default 2000), BENCH_CONCURRENCY (default 16), BENCH_NODE_ARGS (node options other than start:prod's).",
	options: {},
});

const ORDERS = Number(process.env.BENCH_ORDERS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SETTLE_GUARD_MS = 180_000;
const MiB = 1024 * 1024;
const BUDGET_MIB = { single: 120, allInOne: 150 };

/** Each node's command line as production starts it (bench/production-start.ts), unless BENCH_NODE_ARGS gives other node options for all. */
const override = process.env.BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean);
const runnerArgs = (services: readonly string[]): string[] => (override ? [...override, "dist/bin/runner.js"] : productionArgs(productionStartOf(services)));
/** The node options of the run, for its report line. */
const argsUsed = override
	? `${override.join(" ")} (every node)`
	: (["start:prod", "start:prod:batch"] as const).map((start) => `${start}: ${productionArgs(start).join(" ")}`).join("; ");

const rssOf = (pid: number, field: "VmRSS" | "VmHWM"): number =>
	Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;

interface Row {
	layout: string;
	services: string;
	"idle MiB": string;
	"peak under load MiB": string;
	"budget MiB": number;
}

async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
	const deadline = Date.now() + SETTLE_GUARD_MS;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

/** Creates ORDERS orders over REST (CONCURRENCY clients), reads each back; answers their ids. */
async function restLoad(base: string): Promise<number[]> {
	const ids: number[] = [];
	let next = 0;
	const client = async () => {
		while (next++ < ORDERS) {
			const res = await fetch(`${base}/orders`, { method: "POST", body: JSON.stringify({ user_id: 1, order_products: [{ product_id: 3, count: 1 }] }) });
			if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
			const { order_id } = (await res.json()) as { order_id: number };
			ids.push(order_id);
			const read = await fetch(`${base}/orders/${order_id}`);
			if (read.status !== 200) throw new Error(`GET answered ${read.status}`);
			await read.arrayBuffer();
		}
	};
	await Promise.all(Array.from({ length: CONCURRENCY }, client));
	return ids;
}

async function measureLayout(layout: string, groups: ServiceName[][], databaseUrl: string, pool: Pool, env: Record<string, string>): Promise<Row[]> {
	const cluster = nodeProcesses({ ...env, DATABASE_URL: databaseUrl, GRPC_PORT: String(await freePort()), METRICS: "on", PROBES: "on", LOG_LEVEL: "info", NAMESPACE: `bench-memory-${randomUUID().slice(0, 8)}` });
	try {
		const nodes: NodeProcess[] = [];
		for (const services of groups) {
			nodes.push(await cluster.start({ name: services.length === 1 ? services[0] : "all-in-one", services, entry: { cwd: image!.dir, args: runnerArgs(services) } }));
		}
		for (const node of nodes) {
			await waitUntil(async () => (await fetch(`http://127.0.0.1:${node.probePort}/ready`).catch(() => null))?.ok === true, `${node.nodeId} ready`);
		}
		const idle = nodes.map((n) => rssOf(n.child.pid!, "VmRSS"));
		const peak = [...idle];
		const sampler = setInterval(() => nodes.forEach((n, i) => (peak[i] = Math.max(peak[i], rssOf(n.child.pid!, "VmRSS")))), 200);
		try {
			const gateway = nodes.find((n) => groups[nodes.indexOf(n)].includes("api-gateway"))!;
			console.log(`${layout}: ${nodes.length} node(s) ready, loading`);
			const ids = await restLoad(`http://127.0.0.1:${gateway.port}/api`);
			console.log(`${layout}: ${ids.length} orders created and read; sending reserve messages`);
			const producer = createKafka(kafkaBrokers(loadConfig()), "bench-memory").producer();
			await producer.connect();
			for (let i = 0; i < ids.length; i += 500) {
				const messages = ids.slice(i, i + 500).map((id) => ({ key: String(id), value: JSON.stringify({ idempotent_key: randomUUID(), order_id: id, status: "CREATED" }) }));
				await producer.send({ topic: env.RESERVE_TOPIC, acks: -1, messages });
			}
			await producer.disconnect();
			await waitUntil(async () => {
				const { rows } = await pool.query<{ applied: string; unsent: string }>(
					"SELECT (SELECT count(*) FROM order_states WHERE state = 'RESERVE_CREATED' AND order_id = ANY($1)) AS applied, (SELECT outbox_unsent($2)) AS unsent",
					[ids, env.ORDER_TOPIC],
				);
				return Number(rows[0].applied) === ids.length && Number(rows[0].unsent) === 0;
			}, "every reserve message applied and every outbox event published");
		} finally {
			clearInterval(sampler);
		}
		return nodes.map((n, i) => ({
			layout,
			services: groups[i].join(","),
			"idle MiB": (idle[i] / MiB).toFixed(1),
			"peak under load MiB": (Math.max(peak[i], rssOf(n.child.pid!, "VmHWM")) / MiB).toFixed(1),
			"budget MiB": groups[i].length === 1 ? BUDGET_MIB.single : BUDGET_MIB.allInOne,
		}));
	} finally {
		await cluster.stopAll();
	}
}

let image: Awaited<ReturnType<typeof buildRuntimeImage>> | undefined;

runBenchmark(async () => {
	const loadBefore = loadAverage();
	const run = randomUUID().slice(0, 8);
	const env = kafkaNames(`bench-${run}`);
	console.log(`building the runtime image, then ${ORDERS} orders per layout (${CONCURRENCY} clients); node options ${argsUsed}`);
	// BENCH_RUNTIME_DIR: an image built before (kept), to compare node options without rebuilding.
	const kept = process.env.BENCH_RUNTIME_DIR;
	image = kept ? { dir: kept, remove: async () => undefined } : await buildRuntimeImage();
	try {
		await ensureTopics(createKafka(kafkaBrokers(loadConfig())), contractTopics({ topics: { order: env.ORDER_TOPIC, reserve: env.RESERVE_TOPIC, payment: env.PAYMENT_TOPIC } }), 3);
		const rows = await withPrivateDatabase(loadConfig().databaseUrl, "bench_memory", async (databaseUrl) => {
			const pool = new Pool({ connectionString: databaseUrl, max: 2 });
			try {
				const single = await measureLayout("single-service", ALL_SERVICES.map((s) => [s]), databaseUrl, pool, env);
				const allInOne = await measureLayout("all-in-one", [[...ALL_SERVICES]], databaseUrl, pool, env);
				return [...single, ...allInOne];
			} finally {
				await pool.end();
			}
		});
		console.table(rows);
		// Only production's own options describe production: a run with others does not replace the page's table.
		if (process.env.BENCH_NODE_ARGS === undefined) {
			const run = { date: new Date().toISOString(), commit: codeVersion(), node: process.version, orders: ORDERS, nodeArgs: argsUsed, cpus: cpus().length, loadBefore, loadAfter: loadAverage() };
			writeMemorySection(resolve(__dirname, "..", "docs", "operations.md"), memorySection(rows, run));
			console.log("wrote the memory table of docs/operations.md");
		}
		const over = rows.filter((r) => Number(r["peak under load MiB"]) > r["budget MiB"]);
		console.log(over.length === 0 ? "every node within its budget" : `over budget: ${over.map((r) => r.services).join("; ")}`);
	} finally {
		await image.remove();
	}
});
