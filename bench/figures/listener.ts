/**
 * Listener apply: a node running `state` and `reserve-listener` turns N
 * `reserve` CREATED messages into states, then exactly-once is checked: N states,
 * N applied keys. Service and raw are timed alike by the database's clock, first
 * state recorded -> last (node start and group join excluded for both).
 * Raw: a bare kafkajs consumer reading the same number of messages from a twin
 * topic, with the same partitions consumed at once and the same batch size,
 * writing the same effect (bench/raw-orders.ts) without parsing checks,
 * transition rules or dead letters.
 */
import { randomUUID } from "node:crypto";
import type { Kafka } from "kafkajs";
import { Pool } from "pg";
import { createKafka, deadLetterTopic, ensureTopics } from "../../lib/platform/clients/kafka";
import { nodeEnv, type BenchContext } from "../context";
import { startNode } from "../nodes";
import { rawApplyStates } from "../raw-orders";
import { seedOrders } from "./reads";
import { round, until } from "../support";

export interface ListenerFigure {
	messages: number;
	msgs_per_s: number;
	raw_msgs_per_s: number;
	ratio_vs_raw: number;
	exactly_once: boolean;
}

/** As the listener mixin: messages per transaction, partitions worked on at once. */
const CHUNK = 1_000;
const PARTITIONS_CONCURRENTLY = 3;

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

async function rawConsumer(ctx: BenchContext, kafka: Kafka, pool: Pool, topic: string, orderIds: number[]): Promise<number> {
	const count = orderIds.length;
	const consumer = kafka.consumer({ groupId: `bench-${ctx.run}-raw-listener` });
	await consumer.connect();
	await consumer.subscribe({ topic, fromBeginning: true });
	let applied = 0;
	let done = false;
	await consumer.run({
		partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
		eachBatch: async ({ batch }) => {
			for (let i = 0; i < batch.messages.length; i += CHUNK) {
				const changes = batch.messages.slice(i, i + CHUNK).map((m) => {
					const { order_id, idempotent_key } = JSON.parse(String(m.value)) as { order_id: number; idempotent_key: string };
					return { order_id, idempotent_key, state: "RESERVE_CREATED" as const };
				});
				await rawApplyStates(pool, changes);
				applied += changes.length;
			}
			if (applied >= count) done = true;
		},
	});
	await until("the raw consumer applying every message", async () => done, 300_000);
	await consumer.disconnect();
	return appliedPerSecond(pool, orderIds);
}

export async function listenerFigure(ctx: BenchContext, databaseUrl: string): Promise<ListenerFigure> {
	const messages = ctx.quick ? 20_000 : 50_000;
	const env = nodeEnv(ctx, databaseUrl, "listener");
	const kafka = createKafka(ctx.brokers, "bench-listener");
	const rawTopic = `${env.RESERVE_TOPIC}-raw`;
	await ensureTopics(kafka, [env.RESERVE_TOPIC, deadLetterTopic(env.RESERVE_TOPIC), rawTopic], ctx.partitions);
	const pool = new Pool({ connectionString: databaseUrl, max: PARTITIONS_CONCURRENTLY });
	try {
		// The raw set first: the listener's orders are then every id from forListener[0] on.
		const forRaw = await seedOrders(pool, messages);
		const forListener = await seedOrders(pool, messages);
		await produceReserves(kafka, env.RESERVE_TOPIC, forListener);
		await produceReserves(kafka, rawTopic, forRaw);
		const raw = await rawConsumer(ctx, kafka, pool, rawTopic, forRaw);

		const count = async (sql: string) => (await pool.query<{ n: number }>(sql, [forListener])).rows[0].n;
		const states = () => count("SELECT count(*)::int AS n FROM order_states WHERE state = 'RESERVE_CREATED' AND order_id = ANY($1)");
		// Polled while the listener works: an index range count, light enough not to slow it.
		const appliedSoFar = async () =>
			(await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM applied_messages WHERE order_id >= $1", [Math.min(...forListener)])).rows[0].n;
		const node = await startNode({ kind: "listener", services: ["state", "reserve-listener"], env, nodeFlags: ctx.nodeFlags });
		let perS: number;
		try {
			await until("the listener applying every message", async () => (await appliedSoFar()) >= messages, 600_000, 50);
			perS = await appliedPerSecond(pool, forListener);
			ctx.memory.listener_mb = node.rssMb();
		} finally {
			await node.stop();
		}
		const keys = await count("SELECT count(*)::int AS n FROM applied_messages WHERE order_id = ANY($1)");
		const exactlyOnce = (await states()) === messages && keys === messages;
		ctx.log(`listener: ${perS}/s, raw ${raw}/s, exactly once: ${exactlyOnce}`);
		return { messages, msgs_per_s: perS, raw_msgs_per_s: raw, ratio_vs_raw: round(perS / raw, 2), exactly_once: exactlyOnce };
	} finally {
		await pool.end();
	}
}
