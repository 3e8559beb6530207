/**
 * Listener apply: a node running `state` and `reserve-listener` turns N
 * `reserve` CREATED messages into states, then exactly-once is checked: N states,
 * N applied keys. Service and raw are timed alike by the database's clock, first
 * state recorded -> last (node start and group join excluded for both), each in
 * two rounds of N/2 in ABBA order (raw, service, service, raw).
 * Raw: a bare kafkajs consumer (bench/raw-listener.ts) reading the same number
 * of messages from a twin topic, with the same partitions consumed at once and
 * the same batch size, writing the same effect (bench/raw-orders.ts) without
 * parsing checks, transition rules or dead letters; in a process of its own
 * started like the service node (bench/raw-listener-node.ts: the node flags
 * production starts such a node with, `start:prod:batch`'s, bench/production-start.ts,
 * so the same heap and garbage collector settings), polled alike.
 */
import { randomUUID } from "node:crypto";
import type { Kafka } from "kafkajs";
import { Pool } from "pg";
import { createKafka, deadLetterTopic, ensureTopics } from "../../lib/platform/clients/kafka";
import { nodeEnv, type BenchContext } from "../context";
import { cpuOfPids, startNode, type BenchNode } from "../nodes";
import { productionStartOf } from "../production-start";
import type { ServiceName } from "../../lib/platform/config/config";
import { CHUNK, PARTITIONS_CONCURRENTLY } from "../raw-listener";
import { seedOrders } from "./reads";
import { ratioSpread, spreadText, type RatioSpread } from "../ratio-spread";
import { round, until } from "../support";

export interface ListenerFigure {
	messages: number;
	msgs_per_s: number;
	raw_msgs_per_s: number;
	ratio_vs_raw: number;
	/** Each round's service drain against its raw drain (absent from results made before it was recorded). */
	ratio_spread?: RatioSpread;
	exactly_once: boolean;
}


async function produceReserves(kafka: Kafka, topic: string, orderIds: number[]): Promise<void> {
	const producer = kafka.producer({ allowAutoTopicCreation: false });
	await producer.connect();
	for (let i = 0; i < orderIds.length; i += CHUNK) {
		const messages = orderIds.slice(i, i + CHUNK).map((id) => ({
			key: String(id),
			value: JSON.stringify({ idempotent_key: randomUUID(), order_id: id, status: "CREATED" }),
		}));
		await producer.send({ topic, acks: -1, messages });
	}
	await producer.disconnect();
}

/**
 * Messages applied per second, by the database's clock for service and raw alike:
 * from the first effect's transaction to the last one's (order_states.recorded_at),
 * so neither side's figure depends on where its process put its own stopwatch.
 */
async function appliedPerSecond(pool: Pool, orderIds: number[]): Promise<number> {
	const { rows } = await pool.query<{ n: number; span_ms: number }>(
		`SELECT count(*)::int AS n, (extract(epoch FROM max(recorded_at) - min(recorded_at)) * 1000)::float8 AS span_ms
		FROM order_states WHERE state = 'RESERVE_CREATED' AND order_id = ANY($1)`,
		[orderIds],
	);
	return Math.round(rows[0].n / (Math.max(1, rows[0].span_ms) / 1000));
}

/**
 * What autovacuum does to tables in use: statistics. Without them (a fresh
 * database on a server whose autovacuum is off or has not come round yet) the
 * planner reads whole tables for a batch's rows; both sides' statements then
 * run with the plans they get in production.
 */
async function analyzeTables(pool: Pool): Promise<void> {
	await pool.query("VACUUM ANALYZE orders, order_states, applied_messages, parked_messages");
}

/**
 * Lets a started node (service or raw alike) apply every message of `orderIds`,
 * polled by an index range count, light enough not to slow it; then stops it
 * and answers its rate. `whileUp` sees the node before it stops.
 */
async function drain(starting: Promise<BenchNode>, pool: Pool, orderIds: number[], whileUp?: (node: BenchNode) => void): Promise<number> {
	const node = await starting;
	try {
		const [low, high] = [Math.min(...orderIds), Math.max(...orderIds)];
		const applied = async () => (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM applied_messages WHERE order_id BETWEEN $1 AND $2", [low, high])).rows[0].n;
		// CPU per message, of the node and of its database backends, from the first applied message seen to the last (start-up and group join left out).
		let first: { n: number; cpuMs: number; backends: Map<number, number> } | undefined;
		await until(`the ${node.kind} node applying every message`, async () => {
			const n = await applied();
			if (first === undefined && n > 0) first = { n, cpuMs: node.cpuMs(), backends: await backendCpuMs(pool) };
			return n >= orderIds.length;
		}, 600_000, 50);
		whileUp?.(node);
		if (first && orderIds.length > first.n) {
			const perMessage = (ms: number) => Math.round((ms * 1000) / (orderIds.length - first!.n));
			const backends = [...(await backendCpuMs(pool))].reduce((sum, [pid, ms]) => sum + ms - (first!.backends.get(pid) ?? 0), 0);
			(cpuUsPerMessage[node.kind] ??= []).push({ node: perMessage(node.cpuMs() - first.cpuMs), db: perMessage(backends) });
		}
		return await appliedPerSecond(pool, orderIds);
	} finally {
		await node.stop();
	}
}

/** CPU µs per applied message of each node kind and of its database backends, per round (logged: the figure's explanation, not part of it). */
const cpuUsPerMessage: Record<string, Array<{ node: number; db: number }>> = {};

/** CPU ms so far of each backend of this database (PostgreSQL on this machine), by pid; the poller's own count too, alike for both sides. */
async function backendCpuMs(pool: Pool): Promise<Map<number, number>> {
	const { rows } = await pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'");
	return cpuOfPids(rows.map((row) => row.pid));
}

const LISTENER_SERVICES: ServiceName[] = ["state", "reserve-listener"];
/** How production starts a node of these services; raw runs with the same flags. */
const LISTENER_START = productionStartOf(LISTENER_SERVICES);

/** Both sides' drains, in an ABBA order (raw, service, service, raw): a drift of the shared machine hits both alike. */
const ROUNDS: Array<Array<"raw" | "service">> = [
	["raw", "service"],
	["service", "raw"],
];

export async function listenerFigure(ctx: BenchContext, databaseUrl: string): Promise<ListenerFigure> {
	const messages = ctx.quick ? 60_000 : 200_000;
	const perRound = messages / ROUNDS.length;
	const env = nodeEnv(ctx, databaseUrl, "listener");
	const kafka = createKafka(ctx.brokers, "bench-listener");
	const rawTopic = `${env.RESERVE_TOPIC}-raw`;
	await ensureTopics(kafka, [env.RESERVE_TOPIC, deadLetterTopic(env.RESERVE_TOPIC), rawTopic], ctx.partitions);
	const pool = new Pool({ connectionString: databaseUrl, max: PARTITIONS_CONCURRENTLY });
	// Each side keeps its consumer group across rounds, so a round reads only the messages produced for it.
	const rawEnv = { ...env, RAW_LISTENER_TOPIC: rawTopic, RAW_LISTENER_GROUP: `bench-${ctx.run}-raw-listener` };
	const rates = { raw: [] as number[], service: [] as number[] };
	const applied: number[] = [];
	try {
		for (const order of ROUNDS) {
			const seeded = { raw: await seedOrders(pool, perRound), service: await seedOrders(pool, perRound) };
			applied.push(...seeded.service);
			await analyzeTables(pool);
			await produceReserves(kafka, env.RESERVE_TOPIC, seeded.service);
			await produceReserves(kafka, rawTopic, seeded.raw);
			for (const side of order) {
				const node =
					side === "raw"
						? startNode({ kind: "raw-listener", services: [], env: rawEnv, nodeFlags: ctx.nodeFlags, script: "bench/raw-listener-node.ts", start: LISTENER_START })
						: startNode({ kind: "listener", services: LISTENER_SERVICES, env, nodeFlags: ctx.nodeFlags, start: LISTENER_START });
				rates[side].push(await drain(node, pool, seeded[side], side === "service" ? (up) => (ctx.memory.listener_mb = up.rssMb()) : undefined));
			}
		}
		const count = async (sql: string) => (await pool.query<{ n: number }>(sql, [applied])).rows[0].n;
		const states = await count("SELECT count(*)::int AS n FROM order_states WHERE state = 'RESERVE_CREATED' AND order_id = ANY($1)");
		const keys = await count("SELECT count(*)::int AS n FROM applied_messages WHERE order_id = ANY($1)");
		const exactlyOnce = states === messages && keys === messages;
		const [perS, raw] = [harmonicMean(rates.service), harmonicMean(rates.raw)];
		// Pairs by round: a round's service and raw drains run back to back (raw, service; then service, raw).
		const [ratio, spread] = [round(perS / raw, 2), ratioSpread(rates.service, rates.raw)];
		ctx.log(`listener: ${perS}/s (rounds ${rates.service.join(", ")}), raw ${raw}/s (rounds ${rates.raw.join(", ")}), ratio ${ratio} (${spreadText(spread)}), exactly once: ${exactlyOnce}; CPU µs per message ${JSON.stringify(cpuUsPerMessage)}`);
		return { messages, msgs_per_s: perS, raw_msgs_per_s: raw, ratio_vs_raw: ratio, ratio_spread: spread, exactly_once: exactlyOnce };
	} finally {
		await pool.end();
	}
}

/** Rounds of equal size: the rate of the whole is the harmonic mean of the rounds' rates. */
const harmonicMean = (rates: number[]): number => Math.round(rates.length / rates.reduce((sum, r) => sum + 1 / r, 0));
