/**
 * The whole saga at steady offered rates: orders created at a fixed pace (open
 * loop: the schedule is fixed in advance and no send waits for an answer), the
 * simulator answering on `reserve` and `payment`, and each order's latency from
 * its scheduled send to its terminal state as the database recorded it.
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

/** Rates every run measures (200/s is the latency target's, 400/s the capacity target's). */
export const SAGA_RATES = [100, 200, 300, 400] as const;
/** Past the last of SAGA_RATES the capacity search goes on in these steps while the service holds, up to the ceiling. */
const SEARCH_STEP = 200;
const SEARCH_CEILING = 1_200;
/** A rate counts as held when the achieved rate is at least this share of the offered one and no create failed. */
export const HELD_SHARE = 0.98;
/** A create not answered by then counts as a create error (the broker's own request timeout is 10 s). */
const CREATE_GUARD_MS = 10_000;
const TERMINAL = "('RESERVE_FAILED', 'PAYMENT_FAILED', 'PAYMENT_COMPLETED')";

export interface SagaRound {
	offered_per_s: number;
	achieved_per_s: number;
	/** The rate was really held: achieved at least 98 % of offered and no create failed. */
	held: boolean;
	orders: number;
	create_errors: number;
	/** Why creates failed (message -> count): a timeout and a 503 are different findings. */
	create_error_kinds?: Record<string, number>;
	/** The load generator's own worst lateness against its schedule (its latency counts from the schedule). */
	generator_lag_max_ms: number;
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

export const isHeld = (offered: number, achieved: number, createErrors: number): boolean => achieved >= HELD_SHARE * offered && createErrors === 0;

/** The rates a results object holds rounds for ("r200" -> 200), ascending. */
export const sagaRatesOf = (saga: Record<string, unknown> | undefined): number[] =>
	Object.keys(saga ?? {})
		.filter((key) => /^r\d+$/.test(key))
		.map((key) => Number(key.slice(1)))
		.sort((a, b) => a - b);

/** Within "highest rate held with p99 under 1 s": held, every order finished, p99 under 1 s. */
export const heldUnderOneSecond = (s: SagaRound): boolean => s.held && s.incomplete === 0 && s.p99_ms !== null && s.p99_ms < 1_000;

const finite = (value: number) => (Number.isFinite(value) ? round(value) : null);

/** Wall-clock milliseconds with sub-millisecond precision: comparable with the database's timestamps (same host clock). */
const wallClockMs = (): number => performance.timeOrigin + performance.now();

interface Offered {
	/** Each created order's send time: when its schedule said to send it (wall clock, ms). */
	sentAt: Map<number, number>;
	errors: number;
	/** Why creates failed: each distinct message with its count. */
	errorKinds: Record<string, number>;
	achieved: number;
	/** How late the load generator sent its latest request against the schedule (its own lag, not the service's). */
	lagMaxMs: number;
}

/**
 * Offers `rate` creates per second for `seconds`, open loop: the schedule is fixed
 * in advance and no send waits for an answer, so time an order spends queued (in the
 * client's sockets, HTTP, Moleculer or an event loop) counts in its latency, which
 * starts at its scheduled send time. Achieved: answered creates over the time from
 * the first send to the last answer (plus one send interval, the schedule's own span).
 */
async function offer(rate: number, seconds: number, create: () => Promise<number>): Promise<Offered> {
	const sentAt = new Map<number, number>();
	const calls: Array<Promise<void>> = [];
	let errors = 0;
	const errorKinds: Record<string, number> = {};
	let lagMaxMs = 0;
	let lastAnswer = 0;
	const start = wallClockMs();
	for (let i = 0; i < rate * seconds; i++) {
		const due = start + (i * 1000) / rate;
		const wait = due - wallClockMs();
		if (wait > 0) await sleep(wait);
		lagMaxMs = Math.max(lagMaxMs, wallClockMs() - due);
		calls.push(
			create().then(
				(id) => {
					sentAt.set(id, due);
					lastAnswer = wallClockMs();
				},
				(err: Error) => {
					errors++;
					errorKinds[err.message] = (errorKinds[err.message] ?? 0) + 1;
				},
			),
		);
	}
	await Promise.all(calls);
	const spanS = (Math.max(lastAnswer, start) - start + 1000 / rate) / 1000;
	return { sentAt, errors, errorKinds, achieved: Math.round(sentAt.size / spanS), lagMaxMs: round(lagMaxMs) };
}

/** Send -> terminal latencies of the orders sent; Infinity for an order not finished within `guardMs`. */
async function chainLatencies(pool: Pool, sentAt: Map<number, number>, guardMs: number): Promise<number[]> {
	const ids = [...sentAt.keys()];
	const deadline = now() + guardMs;
	for (;;) {
		const { rows } = await pool.query<{ order_id: string; at: number }>(
			`SELECT order_id, (extract(epoch FROM recorded_at) * 1000)::float8 AS at
			FROM order_states WHERE state IN ${TERMINAL} AND order_id = ANY($1)`,
			[ids],
		);
		if (rows.length >= ids.length || now() > deadline) {
			const times = rows.map((r) => r.at - (sentAt.get(Number(r.order_id)) as number));
			return [...times, ...Array<number>(ids.length - rows.length).fill(Infinity)].sort((a, b) => a - b);
		}
		await sleep(200);
	}
}

/**
 * The chain cut into hops: the client's send -> ORDER_CREATED recorded (HTTP, Moleculer,
 * the create's transaction), then by the database's timestamps: outbox row written -> sent
 * by the relay (its batch's commit, after Kafka's acknowledgement; raw has no outbox), ORDER_CREATED -> reserve
 * answer recorded, reserve answer -> terminal payment state.
 */
async function hopLatencies(pool: Pool, sentAt: Map<number, number>): Promise<SagaRound["hops"]> {
	const ids = [...sentAt.keys()];
	const { rows } = await pool.query<{ order_id: string; created_at: number; to_reserve: number; reserve_to_terminal: number | null }>(
		`SELECT c.order_id, (extract(epoch FROM c.recorded_at) * 1000)::float8 AS created_at,
			(extract(epoch FROM r.recorded_at - c.recorded_at) * 1000)::float8 AS to_reserve,
			(extract(epoch FROM t.recorded_at - r.recorded_at) * 1000)::float8 AS reserve_to_terminal
		FROM order_states c
		JOIN order_states r ON r.order_id = c.order_id AND r.state IN ('RESERVE_CREATED', 'RESERVE_FAILED')
		LEFT JOIN order_states t ON t.order_id = c.order_id AND t.state IN ('PAYMENT_FAILED', 'PAYMENT_COMPLETED')
		WHERE c.state = 'ORDER_CREATED' AND c.order_id = ANY($1)`,
		[ids],
	);
	const sent = await pool.query<{ ms: number }>(
		"SELECT (extract(epoch FROM outbox_sent_at(o) - o.created_at) * 1000)::float8 AS ms FROM outbox o WHERE o.message_key = ANY($1::text[]) AND outbox_sent_at(o) IS NOT NULL",
		[ids.map(String)],
	);
	const hop = (values: Array<number | null>) => {
		const known = values.filter((v): v is number => v !== null);
		return known.length === 0 ? null : { p50_ms: latency(known).p50_ms, p99_ms: latency(known).p99_ms };
	};
	return {
		send_to_created: hop(rows.map((r) => r.created_at - (sentAt.get(Number(r.order_id)) as number))),
		outbox_to_relay: hop(sent.rows.map((r) => r.ms)),
		created_to_reserve: hop(rows.map((r) => r.to_reserve)),
		reserve_to_terminal: hop(rows.map((r) => r.reserve_to_terminal)),
	};
}

async function round_(pool: Pool, rate: number, seconds: number, guardMs: number, chain: Chain): Promise<SagaRound> {
	const [busy, eventLoop] = [machineBusy(), chain.eventLoop()];
	const { sentAt, errors, errorKinds, achieved, lagMaxMs } = await offer(rate, seconds, chain.create);
	const times = await chainLatencies(pool, sentAt, guardMs);
	const [busyPct, utilization] = [busy(), eventLoop()];
	return {
		offered_per_s: rate,
		achieved_per_s: achieved,
		held: isHeld(rate, achieved, errors),
		orders: sentAt.size,
		create_errors: errors,
		create_error_kinds: errorKinds,
		generator_lag_max_ms: lagMaxMs,
		incomplete: times.filter((t) => !Number.isFinite(t)).length,
		p50_ms: finite(quantile(times, 0.5)),
		p99_ms: finite(quantile(times, 0.99)),
		hops: await hopLatencies(pool, sentAt),
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
async function runRates(ctx: BenchContext, chains: OpenChain[]): Promise<Map<number, SagaRound[]>> {
	const seconds = sagaRoundSeconds(ctx);
	const guardMs = ctx.quick ? 10_000 : 60_000;
	for (const { pool, chain } of chains) await round_(pool, 50, 3, guardMs, chain); // warm-up: group joins, JIT, pool connections
	const byRate = new Map<number, SagaRound[]>();
	const measure = async (rate: number) => {
		const rounds: SagaRound[] = [];
		for (const { name, pool, chain } of chains) {
			const result = await round_(pool, rate, seconds, guardMs, chain);
			rounds.push(result);
			ctx.log(`saga ${name} ${rate}/s: achieved ${result.achieved_per_s}/s, ${result.create_errors} errors, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms`);
		}
		byRate.set(rate, rounds);
		return rounds[0];
	};
	let last: SagaRound | undefined;
	for (const rate of SAGA_RATES) last = await measure(rate);
	// The capacity search: beyond the listed rates while the service still holds with p99 under 1 s.
	for (let rate = SAGA_RATES[SAGA_RATES.length - 1] + SEARCH_STEP; rate <= SEARCH_CEILING && last && heldUnderOneSecond(last); rate += SEARCH_STEP) {
		last = await measure(rate);
	}
	return byRate;
}

/** Length of each saga round (offer window), in seconds: the results record it as meta.saga_round_s. */
export const sagaRoundSeconds = (ctx: Pick<BenchContext, "quick">): number => (ctx.quick ? 4 : 20);

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
	const byRate = await runRates(ctx, [serviceChain, rawChain]).finally(() => Promise.all([serviceChain.stop(), rawChain.stop()]));
	const service = [...byRate.values()].map(([s]) => s);
	// Steady state at the rate the targets are set for, and the most it held in any round.
	ctx.memory.all_in_one_mb = (byRate.get(200) as SagaRound[])[0].node_rss_mb;
	ctx.memory.all_in_one_peak_mb = Math.max(...service.map((r) => r.node_rss_mb));
	const figure: Record<string, SagaRate | number | null> = {};
	let best: number | null = null;
	for (const [rate, [s, raw]] of byRate) {
		figure[`r${rate}`] = { ...s, raw, ratio_vs_raw: s.p99_ms !== null && raw.p99_ms ? round(s.p99_ms / raw.p99_ms, 2) : null };
		// Only a rate really held counts: a p99 over the orders that got through says nothing of those that did not.
		if (heldUnderOneSecond(s)) best = Math.max(best ?? 0, rate);
	}
	figure.max_rate_p99_under_1s = best;
	return figure;
}
