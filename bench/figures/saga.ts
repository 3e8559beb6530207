/**
 * The whole saga at steady offered rates: orders created at a fixed pace (open
 * loop: a slow answer does not slow the offer), the simulator answering on
 * `reserve` and `payment`, and each order's latency from ORDER_CREATED to its
 * terminal state, both read from the database's own timestamps.
 *
 * Service: an all-in-one node (REST create, outbox relay, listeners, state).
 * Raw: the same hops with plain `pg` and kafkajs (bench/raw-saga.ts) on twin
 * topics with the same partitions, answered by a simulator of its own. Both
 * chains run side by side and take turns at each rate.
 */
import { Pool } from "pg";
import { ALL_SERVICES } from "../../lib/platform/config/config";
import { contractTopics, createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { startSimulator } from "../../dev/saga-simulator";
import { nodeEnv, sagaTopics, type BenchContext } from "../context";
import { httpCall } from "../http-client";
import { machineBusy } from "../load-gauges";
import { startNode, type BenchNode } from "../nodes";
import { SAMPLE_ORDER } from "../raw-orders";
import { latency, now, quantile, round, sleep } from "../support";

export const SAGA_RATES = [100, 200, 400] as const;
/** Creates in flight at most: bounds the load generator when the service falls behind. */
const MAX_IN_FLIGHT = 256;
/** A create not answered by then counts as a create error (the broker's own request timeout is 10 s). */
const CREATE_GUARD_MS = 10_000;
const TERMINAL = "('RESERVE_FAILED', 'PAYMENT_FAILED', 'PAYMENT_COMPLETED')";

export interface SagaRound {
	offered_per_s: number;
	achieved_per_s: number;
	orders: number;
	create_errors: number;
	/** Orders without a terminal state when the drain guard ran out (their latency counts as unbounded). */
	incomplete: number;
	p50_ms: number | null;
	p99_ms: number | null;
	/** Where the time goes, per hop (finished orders only): p50/p99 of each. */
	hops: Record<string, { p50_ms: number; p99_ms: number } | null>;
	/** Share of the machine's CPU time busy during the round (offer and drain), per cent. */
	machine_cpu_busy_pct: number;
	/** Mean event loop utilization of the node under test during the round (1 = never idle). */
	node_event_loop_utilization: number | null;
	/** Resident memory of the node under test at the end of the round. */
	node_rss_mb: number;
}

export interface SagaRate extends SagaRound {
	raw: SagaRound;
	/** Service p99 / raw p99: how many times the raw chain's tail latency (lower is better). */
	ratio_vs_raw: number | null;
}

const finite = (value: number) => (Number.isFinite(value) ? round(value) : null);

/** Offers `rate` creates per second for `seconds`; answers the ids created. */
async function offer(rate: number, seconds: number, create: () => Promise<number>): Promise<{ ids: number[]; errors: number; achieved: number }> {
	const ids: number[] = [];
	const inFlight = new Set<Promise<void>>();
	let errors = 0;
	const start = now();
	for (let i = 0; i < rate * seconds; i++) {
		const wait = start + (i * 1000) / rate - now();
		if (wait > 0) await sleep(wait);
		if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
		const call: Promise<void> = create()
			.then((id) => void ids.push(id), () => void errors++)
			.finally(() => inFlight.delete(call));
		inFlight.add(call);
	}
	await Promise.all(inFlight);
	return { ids, errors, achieved: Math.round(ids.length / ((now() - start) / 1000)) };
}

/** Create -> terminal latencies of `ids`; Infinity for an order not finished within `guardMs`. */
async function chainLatencies(pool: Pool, ids: number[], guardMs: number): Promise<number[]> {
	const deadline = now() + guardMs;
	for (;;) {
		const { rows } = await pool.query<{ ms: number }>(
			`SELECT (extract(epoch FROM t.recorded_at - c.recorded_at) * 1000)::float8 AS ms
			FROM order_states c JOIN order_states t ON t.order_id = c.order_id AND t.state IN ${TERMINAL}
			WHERE c.state = 'ORDER_CREATED' AND c.order_id = ANY($1)`,
			[ids],
		);
		if (rows.length >= ids.length || now() > deadline) {
			return [...rows.map((r) => r.ms), ...Array<number>(ids.length - rows.length).fill(Infinity)].sort((a, b) => a - b);
		}
		await sleep(200);
	}
}

/**
 * The chain cut into hops by the database's timestamps: outbox row written -> claimed
 * by the relay (its transaction start; raw has no outbox), ORDER_CREATED -> reserve
 * answer recorded, reserve answer -> terminal payment state.
 */
async function hopLatencies(pool: Pool, ids: number[]): Promise<SagaRound["hops"]> {
	const { rows } = await pool.query<{ to_reserve: number; reserve_to_terminal: number | null }>(
		`SELECT (extract(epoch FROM r.recorded_at - c.recorded_at) * 1000)::float8 AS to_reserve,
			(extract(epoch FROM t.recorded_at - r.recorded_at) * 1000)::float8 AS reserve_to_terminal
		FROM order_states c
		JOIN order_states r ON r.order_id = c.order_id AND r.state IN ('RESERVE_CREATED', 'RESERVE_FAILED')
		LEFT JOIN order_states t ON t.order_id = c.order_id AND t.state IN ('PAYMENT_FAILED', 'PAYMENT_COMPLETED')
		WHERE c.state = 'ORDER_CREATED' AND c.order_id = ANY($1)`,
		[ids],
	);
	const claims = await pool.query<{ ms: number }>(
		"SELECT (extract(epoch FROM sent_at - created_at) * 1000)::float8 AS ms FROM outbox WHERE sent_at IS NOT NULL AND message_key = ANY($1::text[])",
		[ids.map(String)],
	);
	const hop = (values: Array<number | null>) => {
		const known = values.filter((v): v is number => v !== null);
		return known.length === 0 ? null : { p50_ms: latency(known).p50_ms, p99_ms: latency(known).p99_ms };
	};
	return {
		outbox_to_relay: hop(claims.rows.map((r) => r.ms)),
		created_to_reserve: hop(rows.map((r) => r.to_reserve)),
		reserve_to_terminal: hop(rows.map((r) => r.reserve_to_terminal)),
	};
}

async function round_(pool: Pool, rate: number, seconds: number, guardMs: number, chain: Chain): Promise<SagaRound> {
	const [busy, eventLoop] = [machineBusy(), chain.eventLoop()];
	const { ids, errors, achieved } = await offer(rate, seconds, chain.create);
	const times = await chainLatencies(pool, ids, guardMs);
	const [busyPct, utilization] = [busy(), eventLoop()];
	return {
		offered_per_s: rate,
		achieved_per_s: achieved,
		orders: ids.length,
		create_errors: errors,
		incomplete: times.filter((t) => !Number.isFinite(t)).length,
		p50_ms: finite(quantile(times, 0.5)),
		p99_ms: finite(quantile(times, 0.99)),
		hops: await hopLatencies(pool, ids),
		machine_cpu_busy_pct: busyPct,
		node_event_loop_utilization: utilization === null ? null : round(utilization, 2),
		node_rss_mb: chain.rssMb(),
	};
}

interface Chain {
	create(): Promise<number>;
	eventLoop: BenchNode["eventLoop"];
	rssMb: BenchNode["rssMb"];
	stop(): Promise<void>;
}

/** A chain ready to take rounds: its topics, its simulator, a pool to read its database, its node. */
interface OpenChain {
	name: string;
	chain: Chain;
	pool: Pool;
	stop(): Promise<void>;
}

async function openChain(ctx: BenchContext, databaseUrl: string, prefix: string, chain: (env: Record<string, string>) => Promise<Chain>): Promise<OpenChain> {
	const env = nodeEnv(ctx, databaseUrl, prefix);
	const kafka = createKafka(ctx.brokers, `bench-${prefix}`);
	await ensureTopics(kafka, contractTopics({ topics: sagaTopics(env) }), ctx.partitions);
	const simulator = await startSimulator({ kafka, topics: sagaTopics(env), groupId: `${env.NAMESPACE}-simulator`, fromBeginning: true });
	const pool = new Pool({ connectionString: databaseUrl, max: 2 });
	const running = await chain(env).catch(async (err: unknown) => {
		await Promise.all([simulator.stop(), pool.end()]);
		throw err;
	});
	return {
		name: prefix,
		chain: running,
		pool,
		async stop() {
			await running.stop();
			await simulator.stop();
			await pool.end();
		},
	};
}

/**
 * Both chains run side by side and take turns at each rate (service, then raw),
 * so a drift of the shared machine (a checkpoint, a vacuum, the broker's
 * housekeeping) hits both alike, as the create figure's alternating slices do.
 */
async function runRates(ctx: BenchContext, chains: OpenChain[]): Promise<SagaRound[][]> {
	const seconds = ctx.quick ? 4 : 20;
	const guardMs = ctx.quick ? 10_000 : 60_000;
	for (const { pool, chain } of chains) await round_(pool, 50, 3, guardMs, chain); // warm-up: group joins, JIT, pool connections
	const rounds: SagaRound[][] = chains.map(() => []);
	for (const rate of SAGA_RATES) {
		for (const [i, { name, pool, chain }] of chains.entries()) {
			const result = await round_(pool, rate, seconds, guardMs, chain);
			rounds[i].push(result);
			ctx.log(`saga ${name} ${rate}/s: p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms`);
		}
	}
	return rounds;
}

/** A chain behind an HTTP create: the service's all-in-one node, or the raw baseline's process. */
function httpChain(ctx: BenchContext, kind: string, script?: string) {
	const body = JSON.stringify(SAMPLE_ORDER);
	return async (env: Record<string, string>): Promise<Chain> => {
		const node = await startNode({ kind, services: [...ALL_SERVICES], env, nodeFlags: ctx.nodeFlags, script });
		return {
			async create() {
				const { status, body: answer } = await httpCall(node.port, "POST", "/api/orders", body, CREATE_GUARD_MS);
				if (status !== 201) throw new Error(`POST /api/orders answered ${status}`);
				return (JSON.parse(answer) as { order_id: number }).order_id;
			},
			eventLoop: () => node.eventLoop(),
			rssMb: () => node.rssMb(),
			stop: () => node.stop(),
		};
	};
}

export async function sagaFigure(ctx: BenchContext, serviceDb: string, rawDb: string): Promise<Record<string, SagaRate | number | null>> {
	const serviceChain = await openChain(ctx, serviceDb, "saga", httpChain(ctx, "all-in-one"));
	const rawChain = await openChain(ctx, rawDb, "raw-saga", httpChain(ctx, "raw-saga", "bench/raw-saga-node.ts")).catch(async (err: unknown) => {
		await serviceChain.stop();
		throw err;
	});
	const [service, raw] = await runRates(ctx, [serviceChain, rawChain]).finally(() => Promise.all([serviceChain.stop(), rawChain.stop()]));
	// Steady state at the rate the targets are set for, and the most it held in any round.
	ctx.memory.all_in_one_mb = service[SAGA_RATES.indexOf(200)].node_rss_mb;
	ctx.memory.all_in_one_peak_mb = Math.max(...service.map((r) => r.node_rss_mb));
	const figure: Record<string, SagaRate | number | null> = {};
	let best: number | null = null;
	SAGA_RATES.forEach((rate, i) => {
		const s = service[i];
		figure[`r${rate}`] = { ...s, raw: raw[i], ratio_vs_raw: s.p99_ms !== null && raw[i].p99_ms ? round(s.p99_ms / (raw[i].p99_ms as number), 2) : null };
		if (s.p99_ms !== null && s.p99_ms < 1_000 && s.incomplete === 0) best = rate;
	});
	figure.max_rate_p99_under_1s = best;
	return figure;
}
