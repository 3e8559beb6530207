/**
 * One fault run: sets up its stage, starts the cluster and the simulator, runs
 * the REST load while the fault plan plays, stops the load, waits for quiet,
 * and judges every invariant from the database and the topics, and whether
 * every planned fault happened. Cleans up
 * whatever happens, also when `signal` aborts (Ctrl-C).
 */
import { randomInt, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { startSimulator } from "../saga-simulator";
import { groupMembers } from "../cluster/kafka-admin";
import { startChaosCluster, type ChaosCluster } from "./chaos-cluster";
import { readFacts, sagaProgress } from "./facts";
import { tallyFaults } from "./fault-tally";
import { playFaults } from "./faults";
import { judge, type Check } from "./invariants";
import { LAYOUTS, REPLICAS, type LayoutName } from "./layout";
import { startLoad, type Load } from "./load";
import { waitForQuiet } from "./quiet";
import { seeded } from "./random";
import { recoveries } from "./recovery";
import { figuresOf, table, type Figures } from "./report";
import { CHAOS_OUT_OF_ORDER_WINDOW_MS, planFaults, type Listener } from "./schedule";
import { setUpStage } from "./stage";

export interface ChaosOptions {
	minutes: number;
	/** Creates a second. */
	rate: number;
	seed: number;
	layout: LayoutName;
	databaseUrl: string;
	redisUrl: string;
	/** How long the load goes on after the last fault, at least, so that each fault can show its recovery. */
	settleMs?: number;
	signal?: AbortSignal;
	log?: (line: string) => void;
}

export interface Verdict {
	ok: boolean;
	seed: number;
	checks: Check[];
	figures: Figures;
	table: string;
}

/** Failure guard for the saga to come to rest after the load. */
const QUIET_GUARD_MS = 300_000;
const SETTLE_MS = 30_000;
/** Saga outcomes like the e2e tests: some reserves and payments fail. */
const SIMULATOR_RATES = { reserveFailRate: 0.1, paymentRejectRate: 0.1, paymentFailRate: 0.1 };

export async function runChaos(options: ChaosOptions): Promise<Verdict> {
	const log = options.log ?? console.log;
	const signal = options.signal ?? new AbortController().signal;
	const layout = LAYOUTS[options.layout];
	const durationMs = Math.round(options.minutes * 60_000);
	const run = randomUUID().slice(0, 8);
	const plan = planFaults({ durationMs, layout, random: seeded(options.seed) });
	log(`chaos run ${run}: seed ${options.seed}, ${options.minutes} min at ${options.rate} creates/s, ${layout.length * REPLICAS} nodes (${options.layout}), ${plan.length} faults`);

	const stage = await setUpStage(run, options.databaseUrl, options.redisUrl);
	let cluster: ChaosCluster | undefined;
	let simulator: Awaited<ReturnType<typeof startSimulator>> | undefined;
	let load: Load | undefined;
	try {
		log(`stage ready in ${stage.dir}; starting the cluster`);
		cluster = await startChaosCluster(layout, stage.nodeEnv, stage.dir);
		simulator = await startSimulator({
			kafka: stage.kafka,
			topics: stage.topics,
			groupId: stage.groups.simulator,
			fromBeginning: true,
			random: seeded(options.seed + 1),
			...SIMULATOR_RATES,
		});
		log(`cluster runs; load and faults for ${options.minutes} min`);
		const loadStart = Date.now();
		load = startLoad({ gatewayPorts: cluster.gatewayPorts, rate: options.rate, userId: randomInt(1, 2 ** 47) });
		const listenerGroups: Record<Listener, string> = { "reserve-listener": stage.groups.reserve, "payment-listener": stage.groups.payment };
		const played = await playFaults(plan, loadStart, {
			cluster,
			proxies: stage.proxies,
			groupMembers: (listener) => groupMembers(stage.kafka, listenerGroups[listener]),
			random: seeded(options.seed + 2),
			log,
			signal,
		});
		// A kill that waited for a twin delays the faults after it: the load still runs past the last one.
		const loadEnd = Math.max(loadStart + durationMs, Date.now() + (options.settleMs ?? SETTLE_MS));
		await sleep(loadEnd - Date.now(), undefined, { signal });
		await load.stop();
		log(`load stopped: ${load.stats.created.length} created; waiting for restarts and quiet`);
		const settled = await cluster.settle().then(
			() => null,
			(err: Error) => err.message,
		);
		const quiet = await waitForQuiet(
			stage.db.pool,
			stage.kafka,
			[
				{ group: stage.groups.reserve, topic: stage.topics.reserve },
				{ group: stage.groups.payment, topic: stage.topics.payment },
				{ group: stage.groups.simulator, topic: stage.topics.order },
			],
			QUIET_GUARD_MS,
			signal,
		);
		const facts = await readFacts(stage.db.pool, stage.kafka, stage.topics, load.stats.created, load.stats.answers);
		const judgement = judge(facts);
		const faults = tallyFaults(plan, played.parts, CHAOS_OUT_OF_ORDER_WINDOW_MS);
		const recovered = recoveries(played.windows, load.stats.created, await sagaProgress(stage.db.pool));
		const checks: Check[] = [
			...judgement.checks,
			...faults.checks,
			{ name: "every killed node ran again", ok: settled === null, detail: settled ?? "" },
			{ name: "no node crashed (ended without being killed)", ok: cluster.crashes.length === 0, detail: cluster.crashes.slice(0, 5).join("; ") },
			{ name: "the saga came to rest after the load", ok: quiet, detail: quiet ? "" : "outbox, parked messages or consumer lag still pending" },
			{ name: "every fault recovered from", ok: recovered.every((r) => r.recoveredMs !== null), detail: recovered.filter((r) => r.recoveredMs === null).map((r) => r.name).join(", ") },
			// A client that gave up is an availability figure (in the table), not lost data: its key is checked like any other.
			{ name: "no valid create refused with a 4xx", ok: load.stats.refused.length === 0, detail: load.stats.refused.slice(0, 5).join(", ") },
		];
		const figures = figuresOf(facts, judgement, load.stats, recovered, faults, cluster.restartTimes, cluster.crashes);
		for (const r of recovered) log(`  ${r.name}: recovered in ${r.recoveredMs ?? "-"} ms`);
		return { ok: checks.every((c) => c.ok), seed: options.seed, checks, figures, table: table(figures, checks) };
	} finally {
		await load?.stop(true).catch(() => undefined);
		await simulator?.stop().catch(() => undefined);
		await cluster?.stop();
		await stage.close();
	}
}
