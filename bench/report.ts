/**
 * The benchmark's outputs from one results object: the console table, and
 * docs/benchmarks.md with its chart (docs/benchmarks-saga.svg). The docs are
 * generated only from bench/results/latest.json, so they always match a run.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { sagaChart } from "./chart";
import type { CreateFigure } from "./figures/create";
import type { ListenerFigure } from "./figures/listener";
import type { OutboxFigure } from "./figures/outbox";
import type { ReadFigures } from "./figures/reads";
import { HELD_SHARE, sagaRatesOf, type SagaRate } from "./figures/saga";
import { judgeTargets, targetCell, type Judgement } from "./judge";
import { LIMITS } from "./limits";
import { spreadText, type RatioSpread } from "./ratio-spread";

export interface BenchResults {
	meta: {
		date: string;
		mode: "quick" | "full";
		command: string;
		machine: { cpus: number; cpu_model: string; memory_gb: number; load_average_at_start: number[]; load_average_at_end?: number[] };
		/** The code measured: \`git rev-parse HEAD\`, "+dirty" when the tree had changes. */
		commit?: string;
		/** Length of each saga round's offer window, in seconds (a full run's are at least 20). */
		saga_round_s?: number;
		node: string;
		kafka_version?: string;
		kafka_partitions: number;
		db_pool_max: number;
		seconds?: number;
	};
	create?: Record<string, CreateFigure>;
	create_grpc?: Record<string, CreateFigure>;
	read?: ReadFigures;
	outbox?: OutboxFigure;
	listener?: ListenerFigure;
	saga?: Record<string, SagaRate | number | null>;
	memory?: Record<string, number | null>;
	/** Every target judged (bench/limits.ts), keyed by target id. */
	targets?: Record<string, Judgement>;
}

type Row = [figure: string, service: string, raw: string, ratio: string, target: string];

const ms = (v: number | null | undefined) => (v === null || v === undefined ? "unfinished" : `${v} ms`);
const x = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `${v}x`);
/** "0.64x (pairs 0.58–0.71, n=6)": the ratio, and its pairs' spread where the results have one. */
const xSpread = (v: number, spread?: RatioSpread) => `${x(v)}${spread ? ` (${spreadText(spread)})` : ""}`;

function rows(r: BenchResults): Row[] {
	const out: Row[] = [];
	const judged = judgeTargets(r);
	const target = (id: string) => targetCell(judged, id);
	const rates = sagaRatesOf(r.saga);
	const creates = [...Object.entries(r.create ?? {}).map(([k, c]) => ["REST", k, c] as const), ...Object.entries(r.create_grpc ?? {}).map(([k, c]) => ["gRPC", k, c] as const)];
	for (const [transport, key, c] of creates) {
		const cpu = c.cpu_ms_per_order;
		const service = `${c.orders_per_s}/s, p50 ${c.p50_ms} ms, p99 ${c.p99_ms} ms${cpu ? `, CPU per order: node ${cpu.node} ms + client ${cpu.client} ms` : ""}`;
		const raw = `${c.raw_orders_per_s}/s, p99 ${c.raw_p99_ms} ms${cpu ? `, CPU per order: client ${cpu.raw_client} ms` : ""}`;
		out.push([`create ${transport}, ${key.slice(1)} clients`, service, raw, xSpread(c.ratio_vs_raw, c.ratio_spread), target(`create_${transport.toLowerCase()}_${key}`)]);
	}
	if (r.read) {
		for (const which of ["cached", "uncached"] as const) {
			const g = r.read[which];
			const raw = which === "uncached" && r.read.raw ? `${r.read.raw.reads_per_s}/s, p99 ${r.read.raw.p99_ms} ms (pg behind node:http)` : "";
			const ratio = which === "cached" ? `${r.read.cache_speedup}x uncached` : x(r.read.uncached_ratio_vs_raw);
			out.push([`GET one order, ${r.read.clients} clients, ${which}`, `${g.reads_per_s}/s, p50 ${g.p50_ms} ms, p99 ${g.p99_ms} ms`, raw, ratio, ""]);
		}
	}
	if (r.outbox) {
		const o = r.outbox;
		out.push([`outbox drain, ${o.events} events, 1 relay`, `${o.events_per_s}/s`, `${o.raw_events_per_s}/s kafkajs`, xSpread(o.ratio_vs_raw, o.ratio_spread), target("outbox_drain")]);
		out.push([`outbox drain, ${o.events} events, 2 relays`, `${o.two_relays_events_per_s}/s`, `${o.raw_events_per_s}/s kafkajs`, x(o.two_relays_ratio_vs_raw), ""]);
		out.push([`outbox idle commit -> consumer, ${o.idle_samples} events`, `p50 ${o.idle_p50_ms} ms, p99 ${o.idle_p99_ms} ms, max ${o.idle_max_ms} ms`, "", "", target("outbox_idle")]);
	}
	if (r.listener) {
		const l = r.listener;
		out.push([`listener apply, ${l.messages} messages`, `${l.msgs_per_s}/s (exactly once: ${l.exactly_once ? "yes" : "NO"})`, `${l.raw_msgs_per_s}/s raw effect`, xSpread(l.ratio_vs_raw, l.ratio_spread), target("listener_apply")]);
	}
	const failures = (s: SagaRate["raw"]) =>
		s.create_errors === 0 || !s.create_error_kinds ? "" : ` (${Object.entries(s.create_error_kinds).map(([why, n]) => `${n}x ${why}`).join("; ")})`;
	// Achieved rate and failed creates beside every round: a p99 of the orders that got through says nothing of those that did not.
	const round = (s: SagaRate["raw"]) =>
		`achieved ${s.achieved_per_s}/s (${s.held ? "held" : "NOT held"}), ${s.create_errors} creates failed${failures(s)}, p50 ${ms(s.p50_ms)}, p99 ${ms(s.p99_ms)}${s.incomplete ? `, ${s.incomplete} unfinished` : ""}`;
	for (const rate of rates) {
		const s = r.saga?.[`r${rate}`] as SagaRate;
		out.push([`saga at ${rate} orders/s offered, send -> terminal`, round(s), round(s.raw), s.ratio_vs_raw === null ? "–" : `p99 ${s.ratio_vs_raw}x raw`, rate === 200 ? target("saga_200") : ""]);
	}
	for (const rate of rates) {
		const s = r.saga?.[`r${rate}`] as SagaRate;
		const hops = (h: SagaRate["hops"]) =>
			Object.entries(h)
				.filter(([, v]) => v !== null)
				.map(([name, v]) => `${name.replace(/_/g, " ")} p50 ${v?.p50_ms} / p99 ${v?.p99_ms} ms`)
				.join("; ");
		out.push([`saga hops at ${rate} orders/s`, hops(s.hops), hops(s.raw.hops), "", ""]);
	}
	for (const rate of rates) {
		const s = r.saga?.[`r${rate}`] as SagaRate;
		const load = (round: SagaRate["raw"]) =>
			`machine CPU ${round.machine_cpu_busy_pct}% busy, node event loop ${round.node_event_loop_utilization ?? "–"}, load generator late by ${round.generator_lag_max_ms ?? "–"} ms at most`;
		out.push([`saga load at ${rate} orders/s`, load(s), load(s.raw), "", ""]);
	}
	if (r.saga) out.push(["saga: highest rate held with p99 under 1 s", r.saga.max_rate_p99_under_1s === null ? "no rate held" : `${r.saga.max_rate_p99_under_1s} orders/s`, "", "", target("saga_capacity")]);
	const memoryOf: Record<string, string> = {
		api_mb: "api node, after the 64-client create figures",
		listener_mb: "listener node, after draining its backlog",
		all_in_one_mb: "all-in-one node, steady at 200 orders/s",
		all_in_one_peak_mb: "all-in-one node, most after any saga round",
	};
	for (const [kind, mb] of Object.entries(r.memory ?? {})) {
		if (kind !== "max_rss_mb") out.push([`resident memory, ${memoryOf[kind] ?? kind}`, `${mb} MiB`, "", "", kind === "api_mb" ? target("api_memory") : ""]);
	}
	return out;
}

export function printTable(r: BenchResults): void {
	console.table(rows(r).map(([figure, service, raw, ratio, target]) => ({ figure, service, raw, ratio, target })));
}

/** The targets alone, judged: what \`npm run bench -- --check\` fails on. */
function targetsTable(r: BenchResults): string {
	const lines = ["| target | figure | bound | verdict |", "| --- | --- | --- | --- |"];
	for (const j of Object.values(judgeTargets(r))) lines.push(`| ${j.figure} | ${j.value ?? "no figure"} | ${j.target} | **${j.verdict}** |`);
	return lines.join("\n");
}

function markdownTable(r: BenchResults): string {
	const lines = ["| figure | service | raw baseline | ratio | target |", "| --- | --- | --- | --- | --- |"];
	for (const row of rows(r)) lines.push(`| ${row.join(" | ")} |`);
	return lines.join("\n");
}

export function writeReport(r: BenchResults, docsDir = resolve(__dirname, "..", "docs")): void {
	const rates = sagaRatesOf(r.saga).map((rate) => [rate, r.saga?.[`r${rate}`]] as [number, SagaRate]);
	if (rates.length > 0) writeFileSync(resolve(docsDir, "benchmarks-saga.svg"), sagaChart(rates));
	const m = r.meta;
	const doc = `# Benchmarks

<!-- Generated by \`npm run bench\` from bench/results/latest.json; edit bench/report.ts and bench/limits.ts, not this file. -->

What the service costs, as a ratio against the raw limit measured **in the same run** on the same
machine: a plain \`pg\` client, a bare kafkajs producer or consumer doing the same work without the
service's checks and plumbing. Absolute figures move with the machine and its neighbours; the ratios
are the point.

## The run

- Command: \`${m.command}\` (${m.mode} mode, ${m.seconds ?? "?"} s), ${m.date}
- Code: commit ${m.commit ?? "not recorded"}; saga rounds of ${m.saga_round_s ?? "?"} s each
- Machine: ${m.machine.cpus} cores (${m.machine.cpu_model}), ${m.machine.memory_gb} GB, load average (1 / 5 / 15 min) before ${m.machine.load_average_at_start.join(" / ")}, after ${m.machine.load_average_at_end?.join(" / ") ?? "not recorded"}
- Everything on that machine: PostgreSQL, Redis, one Kafka broker, the service nodes, the load generator and the simulator.
- Node ${m.node}, Kafka ${m.kafka_version ?? "version not recorded"}; ${m.kafka_partitions} partitions per topic; DB_POOL_MAX ${m.db_pool_max} (the raw \`pg\` pools get the same size).

## Targets

${targetsTable(r)}

A figure the run measured without a number (a round that did not finish, a rate not held) is
missed; \`npm run bench -- --check\` exits 1 while any target is missed or not measured.

## Figures

${markdownTable(r)}

Ratios are service / raw for throughput (1.0x = as fast as raw) and service p99 / raw p99 for the
saga (1.0x = as fast as raw, higher is slower). A saga round's latency runs from each order's
scheduled send (open loop: the schedule is fixed in advance and no send waits for an answer) to its
terminal state as the database recorded it; a rate is *held* when the achieved rate is at least
${HELD_SHARE * 100} % of the offered one and no create failed, and only held rates count as capacity.

![Saga latency (p50, p99) against offered rate](benchmarks-saga.svg)

## What each figure measures and what limits it

${LIMITS}

## Running it

\`\`\`sh
npm run bench -- --quick           # every figure, small counts and short saga rounds: a first look
npm run bench                      # every figure, full counts and saga rounds (the committed results)
npm run bench -- --only saga       # some figures (written to bench/results/only-*.json)
npm run bench -- --cpu-prof        # the service nodes write .cpuprofile files to bench/results/profiles/
npm run bench -- --report          # regenerate this page and its chart from bench/results/latest.json
npm run bench -- --check           # judge bench/results/latest.json against the targets; exit 1 if one is missed
npm run bench -- --check --results bench/results/only-saga.json   # judge another results file
\`\`\`

With KAFKA_BROKERS set the run uses that broker; without it, it starts the project's own, as
\`npm test\` does, and warms it up first (a cold JVM slows every figure until it has compiled its hot paths).
DATABASE_URL names the PostgreSQL server (each figure creates and drops its own
\`orders_bench_*\` database); REDIS_URL the Redis the nodes use. Topics, consumer groups and the
Moleculer namespace are unique to each run; its topics are deleted at the end.
`;
	writeFileSync(resolve(docsDir, "benchmarks.md"), doc);
}
