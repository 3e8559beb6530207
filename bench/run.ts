/**
 * `npm run bench [-- --quick] [-- --only create,reads,outbox,listener,saga] [-- --cpu-prof] [-- --report]`
 *
 * Runs every figure with its raw baseline in the same run, prints one table,
 * writes bench/results/latest.json and regenerates docs/benchmarks.md and its
 * chart from it. `--report` only regenerates the docs from latest.json.
 * Kafka: KAFKA_BROKERS, or the project's own broker started as `npm test` does
 * (then warmed up first, bench/broker-warm-up.ts).
 * It builds dist/ first: the service nodes it measures run compiled (bench/nodes.ts).
 * Every figure works on its own database (orders_bench_*) and topics of this run,
 * which are deleted at the end. `--check` measures nothing: it judges latest.json
 * against the targets (bench/limits.ts) and exits 1 when one is missed, so a run
 * and its judgement are two steps (`npm run bench && npm run bench -- --check`).
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { Pool } from "pg";
import { kafkaBrokers, loadConfig, type ServiceName } from "../lib/platform/config/config";
import { prepareInfrastructure } from "../dev/infrastructure";
import { nodeEnv, type BenchContext } from "./context";
import { createFigures, GRPC, REST } from "./figures/create";
import { listenerFigure } from "./figures/listener";
import { outboxFigure } from "./figures/outbox";
import { readFigures, seedOrders } from "./figures/reads";
import { sagaFigure } from "./figures/saga";
import { warmUpBroker } from "./broker-warm-up";
import { startNode } from "./nodes";
import { deleteRunTopics } from "./topics-cleanup";
import { printTable, writeReport, type BenchResults } from "./report";
import { withPrivateDatabase } from "./support";
import { readCommandLine, usageError } from "../bin/command-line";
import { checkTargets, judgeTargets } from "./judge";
import { sagaRoundSeconds } from "./figures/saga";
import { codeVersion, kafkaVersion, loadAverage } from "./provenance";

const FIGURES = ["create", "reads", "outbox", "listener", "saga"] as const;

const COMMAND = {
	command: "npm run bench --",
	summary: "Measures every figure against its raw baseline in the same run; a run of every figure writes bench/results/latest.json and docs/benchmarks.md.",
	options: {
		quick: { type: "boolean", help: "short rounds (a first look; the committed results come from a full run)" },
		only: { type: "string", value: FIGURES.join(","), help: "measure only these figures (writes bench/results/only-*.json)" },
		"cpu-prof": { type: "boolean", help: "profile the service nodes (--cpu-prof into bench/results/profiles)" },
		report: { type: "boolean", help: "only regenerate docs/benchmarks.md from bench/results/latest.json" },
		check: { type: "boolean", help: "measure nothing: judge bench/results/latest.json against the targets (bench/limits.ts), list the missed ones, exit 1 if any" },
		results: { type: "string", value: "FILE", help: "the results --check judges (default bench/results/latest.json), e.g. an only-*.json" },
	},
} as const;
const resultsFile = resolve(__dirname, "results", "latest.json");

async function apiFigures(ctx: BenchContext, results: BenchResults, want: Set<string>): Promise<void> {
	await withPrivateDatabase(ctx.databaseUrl, "orders_bench_api", async (url) => {
		const env = nodeEnv(ctx, url, "api");
		const spec = { kind: "api", services: ["api-gateway", "grpc-gateway", "orders"] as ServiceName[], env, nodeFlags: ctx.nodeFlags };
		const cached = await startNode(spec);
		try {
			if (want.has("create")) {
				const { rest, grpc } = await createFigures(ctx, cached, url, [REST, GRPC]);
				Object.assign(results, { create: rest, create_grpc: grpc });
			}
			ctx.memory.api_mb = cached.rssMb();
			if (!want.has("reads")) return;
			const pool = new Pool({ connectionString: url, max: 1 });
			const ids = await seedOrders(pool, 1_000).finally(() => pool.end());
			const uncached = await startNode({ ...spec, kind: "api-no-cache", env: { ...env, BENCH_CACHE: "off" } });
			const raw = await startNode({ kind: "raw-read", services: [], env, nodeFlags: ctx.nodeFlags, script: "bench/raw-read-node.ts" }).catch(async (err: unknown) => {
				await uncached.stop();
				throw err;
			});
			results.read = await readFigures(ctx, cached, uncached, raw, ids).finally(() => Promise.all([uncached.stop(), raw.stop()]));
			ctx.log(`GET: cached ${results.read.cached.reads_per_s}/s, uncached ${results.read.uncached.reads_per_s}/s`);
		} finally {
			await cached.stop();
		}
	});
}

async function main(): Promise<void> {
	const { values } = readCommandLine(COMMAND);
	if (values.check) {
		const { lines, exitCode } = checkTargets(JSON.parse(readFileSync(values.results ?? resultsFile, "utf8")) as BenchResults);
		console.log(exitCode === 0 ? "every target met" : lines.join("\n"));
		process.exit(exitCode);
	}
	if (values.report) {
		writeReport(JSON.parse(readFileSync(resultsFile, "utf8")) as BenchResults);
		return;
	}
	const want = new Set(values.only ? values.only.split(",") : FIGURES);
	for (const name of want) if (!(FIGURES as readonly string[]).includes(name)) usageError(COMMAND, `--only: unknown figure "${name}" (known: ${FIGURES.join(", ")})`);
	execFileSync("npm", ["run", "--silent", "build"], { cwd: resolve(__dirname, ".."), stdio: "inherit" });
	const run = randomUUID().slice(0, 8);
	Object.assign(process.env, { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn", METRICS: "off", KAFKAJS_NO_PARTITIONER_WARNING: "1", NAMESPACE: `bench-${run}` });
	const cfg = loadConfig();
	const infrastructure = await prepareInfrastructure(cfg);
	const started = Date.now();
	const profDir = resolve(__dirname, "results", "profiles");
	const ctx: BenchContext = {
		quick: values.quick ?? false,
		run,
		databaseUrl: cfg.databaseUrl,
		brokers: kafkaBrokers(cfg),
		partitions: cfg.kafkaPartitions,
		dbPoolMax: cfg.dbPoolMax,
		nodeFlags: values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [],
		memory: {},
		log: (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`),
	};
	const results: BenchResults = {
		meta: {
			date: new Date().toISOString(),
			mode: ctx.quick ? "quick" : "full",
			command: `npm run bench${ctx.quick ? " -- --quick" : ""}`,
			machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? "unknown", memory_gb: Math.round(totalmem() / 2 ** 30), load_average_at_start: loadAverage() },
			commit: codeVersion(),
			saga_round_s: sagaRoundSeconds(ctx),
			node: process.version,
			kafka_version: kafkaVersion(),
			kafka_partitions: ctx.partitions,
			db_pool_max: ctx.dbPoolMax,
		},
	};
	try {
		if (!cfg.kafkaBrokers && !infrastructure.adoptedKafka) await warmUpBroker(ctx);
		if (want.has("create") || want.has("reads")) await apiFigures(ctx, results, want);
		if (want.has("outbox")) results.outbox = await withPrivateDatabase(ctx.databaseUrl, "orders_bench_outbox", (url) => outboxFigure(ctx, url));
		if (want.has("listener")) results.listener = await withPrivateDatabase(ctx.databaseUrl, "orders_bench_listener", (url) => listenerFigure(ctx, url));
		if (want.has("saga")) {
			results.saga = await withPrivateDatabase(ctx.databaseUrl, "orders_bench_saga", (serviceDb) =>
				withPrivateDatabase(ctx.databaseUrl, "orders_bench_raw_saga", (rawDb) => sagaFigure(ctx, serviceDb, rawDb)),
			);
		}
	} finally {
		await deleteRunTopics(ctx);
		await infrastructure.stop();
	}
	const sizes = Object.values(ctx.memory);
	results.memory = { ...ctx.memory, max_rss_mb: sizes.length ? Math.max(...sizes) : null };
	results.meta.seconds = Math.round((Date.now() - started) / 1000);
	results.meta.machine.load_average_at_end = loadAverage();
	results.targets = judgeTargets(results);
	printTable(results);
	// Only a run of every figure replaces latest.json, the source of the docs.
	const complete = want.size === FIGURES.length;
	const file = complete ? resultsFile : resolve(__dirname, "results", `only-${[...want].join("-")}.json`);
	mkdirSync(resolve(__dirname, "results"), { recursive: true });
	writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
	if (complete) writeReport(results);
	console.log(`wrote ${file}${complete ? ", docs/benchmarks.md and docs/benchmarks-saga.svg" : ""}`);
}

main().then(
	() => process.exit(0),
	(err: unknown) => {
		console.error(err);
		process.exit(1);
	},
);
