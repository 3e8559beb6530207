/**
 * Listener apply: a node running `state` and `reserve-listener` turns N
 * `reserve` CREATED messages into states (first state recorded -> last, node
 * start excluded), then exactly-once is checked: N states, N applied keys.
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
import { now, round, until } from "../support";

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

async function rawConsumer(ctx: BenchContext, kafka: Kafka, pool: Pool, topic: string, count: number): Promise<number> {
	const consumer = kafka.consumer({ groupId: `bench-${ctx.run}-raw-listener` });
	await consumer.connect();
	await consumer.subscribe({ topic, fromBeginning: true });
	let applied = 0;
	let first = 0;
	let last = 0;
	await consumer.run({
		partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
		eachBatch: async ({ batch }) => {
			first ||= now();
			for (let i = 0; i < batch.messages.length; i += CHUNK) {
				const changes = batch.messages.slice(i, i + CHUNK).map((m) => {
					const { order_id, idempotent_key } = JSON.parse(String(m.value)) as { order_id: number; idempotent_key: string };
					return { order_id, idempotent_key, state: "RESERVE_CREATED" as const };
				});
				await rawApplyStates(pool, changes);
				applied += changes.length;
			}
			if (applied >= count) last ||= now();
		},
	});
	await until("the raw consumer applying every message", async () => last > 0, 300_000);
	await consumer.disconnect();
	return Math.round(count / ((last - first) / 1000));
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
		const raw = await rawConsumer(ctx, kafka, pool, rawTopic, messages);

		const count = async (sql: string) => (await pool.query<{ n: number }>(sql, [forListener])).rows[0].n;
		const states = () => count("SELECT count(*)::int AS n FROM order_states WHERE state = 'RESERVE_CREATED' AND order_id = ANY($1)");
		// Polled while the listener works: an index range count, light enough not to slow it.
		const appliedSoFar = async () =>
			(await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM applied_messages WHERE order_id >= $1", [Math.min(...forListener)])).rows[0].n;
		const node = await startNode({ kind: "listener", services: ["state", "reserve-listener"], env, nodeFlags: ctx.nodeFlags });
		let perS: number;
		try {
			let start = 0;
			await until("the listener applying every message", async () => {
				const n = await appliedSoFar();
				if (n > 0) start ||= now();
				return n >= messages;
			}, 600_000, 50);
			perS = Math.round(messages / ((now() - start) / 1000));
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
