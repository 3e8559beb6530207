/**
 * Outbox relay, on a private database and fresh topics:
 *   - raw kafkajs: the same events sent straight from kafkajs, one sendBatch of
 *     the relay's batch size at a time, acks -1 (the publish ceiling);
 *   - 1 and 2 relays draining a backlog (rows after their slot's position = not yet acked by Kafka):
 *     running relays meet a backlog committed at once, timed from its commit to the last
 *     batch's commit; raw and 1 relay in ABBA order, after an untimed run of each;
 *   - idle latency: one event at a time, commit -> arrival on a Kafka consumer.
 * The relays run in this process (the relay is a plain class); each gets a pool
 * of its own (sized as its share of a node's pool) and a producer, as in its own node.
 */
import { randomUUID } from "node:crypto";
import type { Kafka } from "kafkajs";
import { Pool } from "pg";
import { loadConfig } from "../../lib/platform/config/config";
import { createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { createSequelize } from "../../lib/platform/clients/database";
import { OutboxRelay, RELAY_POOL_CONNECTIONS } from "../../lib/outbox/outbox-relay";
import type { BenchContext } from "../context";
import { cpuSplit, formatCpuSplit, type CpuSplit } from "../outbox-cpu-split";
import { ratioSpread, spreadText, type RatioSpread } from "../ratio-spread";
import { latency, now, round, sleep, until } from "../support";
import { inTransaction } from "../pg-transaction";
import { withTimeout } from "../../lib/platform/support/timeout";

export interface OutboxFigure {
	events: number;
	batch_size: number;
	raw_events_per_s: number;
	events_per_s: number;
	ratio_vs_raw: number;
	/** Each 1-relay drain against the raw run beside it (absent from results made before it was recorded). */
	ratio_spread?: RatioSpread;
	two_relays_events_per_s: number;
	two_relays_ratio_vs_raw: number;
	idle_samples: number;
	idle_p50_ms: number;
	idle_p99_ms: number;
	idle_max_ms: number;
}

/** A relay started by the figure, stopped with its pool. */
interface RunningRelay {
	stop(): Promise<void>;
}

const INSERT_CHUNK = 1_000;
const quiet = { info: () => undefined, warn: (...a: unknown[]) => console.warn(...a), debug: () => undefined };

function payloads(count: number, base: number): { keys: string[]; values: string[] } {
	const keys = Array.from({ length: count }, (_, i) => String(base + i));
	const values = keys.map((key) => JSON.stringify({ idempotent_key: randomUUID(), order_id: Number(key), status: "CREATED" }));
	return { keys, values };
}

/** Inserts `count` events in one transaction: they become visible (and wake the relay) at once. */
async function insertEvents(pool: Pool, topic: string, count: number, base = 1_000_000): Promise<void> {
	await inTransaction(pool, async (client) => {
		for (let done = 0; done < count; done += INSERT_CHUNK) {
			const { keys, values } = payloads(Math.min(INSERT_CHUNK, count - done), base + done);
			await client.query("INSERT INTO outbox (topic, message_key, payload) SELECT $1, k, p::jsonb FROM unnest($2::text[], $3::text[]) AS e(k, p)", [topic, keys, values]);
		}
	});
}

const unsent = async (pool: Pool, topic: string) =>
	Number((await pool.query<{ n: string }>("SELECT outbox_unsent($1) AS n", [topic])).rows[0].n);

export async function outboxFigure(ctx: BenchContext, databaseUrl: string): Promise<OutboxFigure> {
	const cfg = loadConfig({ ...process.env, DATABASE_URL: databaseUrl });
	const events = ctx.quick ? 20_000 : 200_000;
	const idleSamples = ctx.quick ? 500 : 1_000;
	const kafka = createKafka(ctx.brokers, "bench-outbox");
	let topicSeq = 0;
	const newTopic = async () => {
		const topic = `bench-${ctx.run}-outbox-${++topicSeq}`;
		await ensureTopics(kafka, [topic], ctx.partitions);
		return topic;
	};
	/** Relays on `topic`, each calling `onPublished` after every committed batch. */
	const startRelays = (topic: string, count: number, onPublished?: (count: number) => void): Promise<RunningRelay[]> =>
		Promise.all(
			Array.from({ length: count }, async () => {
				const database = createSequelize(databaseUrl, RELAY_POOL_CONNECTIONS);
				const relay = new OutboxRelay({
					databaseUrl,
					database,
					kafka: createKafka(ctx.brokers, "bench-outbox-relay", 2),
					topic,
					batchSize: cfg.outboxBatchSize,
					pollMs: cfg.outboxPollMs,
					maxBackoffMs: cfg.outboxMaxBackoffMs,
					retentionMs: cfg.outboxRetentionMs,
					cleanupMs: cfg.outboxCleanupMs,
					logger: quiet,
					onPublished: (_topic, published) => onPublished?.(published),
				});
				await relay.start();
				return { stop: () => relay.stop().finally(() => database.close()) };
			}),
		);
	// Named, so the CPU split leaves the bench's own backends out.
	const pool = new Pool({ connectionString: databaseUrl, max: 2, application_name: "bench-outbox" });
	const database = new URL(databaseUrl).pathname.slice(1);
	let relayCpu: CpuSplit | undefined;
	try {
		const drain = async (relays: number) => {
			const topic = await newTopic();
			let published = 0;
			let drained!: () => void;
			const allPublished = new Promise<void>((resolve) => (drained = resolve));
			const running = await startRelays(topic, relays, (count) => {
				published += count;
				if (published >= events) drained();
			});
			// Running relays (connected, idle, as raw's producer is connected) meet the whole backlog
			// at once: the clock starts at its commit and stops at the last batch's commit, counted in
			// this process, so no "drained yet?" query takes the relay's CPU meanwhile.
			await insertEvents(pool, topic, events);
			const start = now();
			const cpu = await cpuSplit(database, pool);
			await withTimeout(allPublished, 300_000, `benchmark: ${relays} relay(s) did not drain ${events} events within 300 s`);
			const perS = Math.round(events / ((now() - start) / 1000));
			if (relays === 1) relayCpu = await cpu(events);
			await Promise.all(running.map((r) => r.stop()));
			const left = await unsent(pool, topic);
			if (left !== 0) throw new Error(`benchmark: ${relays} relay(s) reported every event published, but ${left} are unsent`);
			return perS;
		};
		// Untimed runs first, raw and relay alike: kafkajs' encoding and the relay's own code run
		// JIT-compiled in every timed run (they share this process), as in a relay that has been running.
		await rawKafka(kafka, await newTopic(), events, cfg.outboxBatchSize);
		await drain(1);
		// Timed in ABBA order (raw, relay, relay, raw) and averaged: the shared machine drifts
		// within a figure, and a drift then weighs on both sides alike.
		const rawCpu = await cpuSplit(database, pool);
		const rawBefore = await rawKafka(kafka, await newTopic(), events, cfg.outboxBatchSize);
		const rawCpuSplit = await rawCpu(events);
		const oneFirst = await drain(1);
		const oneSecond = await drain(1);
		const rawAfter = await rawKafka(kafka, await newTopic(), events, cfg.outboxBatchSize);
		const two = await drain(2);
		const raw = Math.round((rawBefore + rawAfter) / 2);
		const one = Math.round((oneFirst + oneSecond) / 2);
		// Each relay drain paired with the raw run beside it.
		const spread = ratioSpread([oneFirst, oneSecond], [rawBefore, rawAfter]);
		ctx.log(
			`outbox: raw ${raw}/s (${rawBefore}/s, ${rawAfter}/s), 1 relay ${one}/s (${oneFirst}/s, ${oneSecond}/s; ratio ${round(one / raw, 2)}, ${spreadText(spread)}), 2 relays ${two}/s`,
		);
		if (relayCpu) ctx.log(`outbox CPU per event: raw ${formatCpuSplit(rawCpuSplit)}; 1 relay ${formatCpuSplit(relayCpu)}`);
		const idle = await idleLatency(ctx, kafka, pool, await newTopic(), idleSamples, startRelays);
		ctx.log(`outbox idle commit -> consumer: p50 ${idle.p50_ms} ms, p99 ${idle.p99_ms} ms`);
		return {
			events,
			batch_size: cfg.outboxBatchSize,
			raw_events_per_s: raw,
			events_per_s: one,
			ratio_vs_raw: round(one / raw, 2),
			ratio_spread: spread,
			two_relays_events_per_s: two,
			two_relays_ratio_vs_raw: round(two / raw, 2),
			idle_samples: idleSamples,
			idle_p50_ms: idle.p50_ms,
			idle_p99_ms: idle.p99_ms,
			idle_max_ms: idle.max_ms,
		};
	} finally {
		await pool.end();
	}
}

async function rawKafka(kafka: Kafka, topic: string, count: number, batchSize: number): Promise<number> {
	const producer = kafka.producer({ allowAutoTopicCreation: false });
	await producer.connect();
	const start = now();
	for (let done = 0; done < count; done += batchSize) {
		const { keys, values } = payloads(Math.min(batchSize, count - done), done);
		await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: keys.map((key, i) => ({ key, value: values[i] })) }] });
	}
	const perS = Math.round(count / ((now() - start) / 1000));
	await producer.disconnect();
	return perS;
}

/** Commit of one event -> its arrival on a consumer, one event at a time on an idle relay. */
async function idleLatency(
	ctx: BenchContext,
	kafka: Kafka,
	pool: Pool,
	topic: string,
	samples: number,
	startRelays: (topic: string, count: number) => Promise<RunningRelay[]>,
) {
	const [relay] = await startRelays(topic, 1);
	const consumer = kafka.consumer({ groupId: `bench-${ctx.run}-outbox-idle`, maxWaitTimeInMs: 100 });
	await consumer.connect();
	await consumer.subscribe({ topic, fromBeginning: true });
	let arrived: (() => void) | null = null;
	let joined = false;
	consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
	await consumer.run({ eachMessage: async () => arrived?.() });
	await until("the idle-latency consumer joining its group", async () => joined, 60_000, 100);
	const times: number[] = [];
	try {
		for (let i = 0; i < samples; i++) {
			const got = new Promise<void>((resolve) => (arrived = resolve));
			await insertEvents(pool, topic, 1, 5_000_000 + i);
			const committed = now();
			await Promise.race([got, sleep(10_000)]); // a lost event shows as a 10 s sample, not a hang
			times.push(now() - committed);
			await sleep(5);
		}
	} finally {
		await consumer.disconnect();
		await relay.stop();
	}
	return latency(times);
}
