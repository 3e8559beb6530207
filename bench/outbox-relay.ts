/**
 * How fast does the outbox relay publish? In one run, on a private database and
 * a fresh topic:
 *   - raw INSERT: N outbox rows written in 1,000-row transactions, no relay (the write ceiling);
 *   - raw kafkajs: the same N messages sent straight from kafkajs, one sendBatch per
 *     batch, acks -1 (the publish ceiling the relay adds its claim/mark/commit to);
 *   - relay, backlog: one relay drains N waiting rows (rows marked sent = acked by Kafka);
 *   - relay, live: one relay while N rows are being inserted (first insert -> last row sent);
 *   - two relays, backlog: the same with two relays in this process;
 *   - idle latency: one event at a time, commit -> arrival on a Kafka consumer.
 *
 *   npm run bench:outbox                       # Kafka from KAFKA_BROKERS or 127.0.0.1:9092
 *   BENCH_EVENTS=20000 OUTBOX_BATCH_SIZE=500 npm run bench:outbox
 */
import { randomUUID } from "node:crypto";
import { Pool } from "pg";
import { kafkaBrokers, loadConfig } from "../lib/platform/config";
import { createKafka, ensureTopics } from "../lib/platform/kafka";
import { OutboxRelay } from "../lib/outbox/outbox-relay";
import { printRates, runBenchmark, withPrivateDatabase } from "./support";

process.env.KAFKAJS_NO_PARTITIONER_WARNING = "1";
const cfg = loadConfig();
const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const INSERT_CHUNK = 1_000;
const LATENCY_SAMPLES = 30;
const brokers = kafkaBrokers(cfg);
const kafka = createKafka(brokers, "bench-outbox");
const quiet = { info: () => undefined, warn: (...a: unknown[]) => console.warn(...a), debug: () => undefined };

interface Row {
	measure: string;
	events: number;
	seconds: number;
}

const now = () => performance.now();

function payloads(count: number, base: number): { keys: string[]; values: string[] } {
	const keys: string[] = [];
	const values: string[] = [];
	for (let i = 0; i < count; i++) {
		const orderId = base + i;
		keys.push(String(orderId));
		values.push(JSON.stringify({ idempotent_key: randomUUID(), order_id: orderId, status: "CREATED" }));
	}
	return { keys, values };
}

async function insertChunk(pool: Pool, topic: string, keys: string[], values: string[]): Promise<void> {
	await pool.query("INSERT INTO outbox (topic, message_key, payload) SELECT $1, k, p::jsonb FROM unnest($2::text[], $3::text[]) AS e(k, p)", [
		topic,
		keys,
		values,
	]);
}

async function insertAll(pool: Pool, topic: string, count: number): Promise<void> {
	for (let done = 0; done < count; done += INSERT_CHUNK) {
		const { keys, values } = payloads(Math.min(INSERT_CHUNK, count - done), 1_000_000 + done);
		await insertChunk(pool, topic, keys, values);
	}
}

async function unsent(pool: Pool, topic: string): Promise<number> {
	const { rows } = await pool.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE topic = $1 AND sent_at IS NULL", [topic]);
	return Number(rows[0].n);
}

async function untilAllSent(pool: Pool, topic: string): Promise<void> {
	while ((await unsent(pool, topic)) > 0) await new Promise((r) => setTimeout(r, 20));
}

function startRelays(url: string, topic: string, count: number): Promise<OutboxRelay[]> {
	return Promise.all(
		Array.from({ length: count }, async () => {
			const relay = new OutboxRelay({
				databaseUrl: url,
				kafka: createKafka(brokers, "bench-outbox-relay", 2),
				topics: [topic],
				batchSize: cfg.outboxBatchSize,
				pollMs: cfg.outboxPollMs,
				maxBackoffMs: cfg.outboxMaxBackoffMs,
				retentionMs: cfg.outboxRetentionMs,
				cleanupMs: cfg.outboxCleanupMs,
				logger: quiet,
			});
			await relay.start();
			return relay;
		}),
	);
}

async function newTopic(): Promise<string> {
	const topic = `bench-outbox-${randomUUID().slice(0, 8)}`;
	await ensureTopics(kafka, [topic], cfg.kafkaPartitions);
	return topic;
}

async function rawKafka(count: number): Promise<Row> {
	const topic = await newTopic();
	const producer = kafka.producer({ allowAutoTopicCreation: false });
	await producer.connect();
	const start = now();
	for (let done = 0; done < count; done += cfg.outboxBatchSize) {
		const { keys, values } = payloads(Math.min(cfg.outboxBatchSize, count - done), done);
		await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: keys.map((key, i) => ({ key, value: values[i] })) }] });
	}
	const seconds = (now() - start) / 1000;
	await producer.disconnect();
	return { measure: "raw kafkajs sendBatch (acks -1), no database", events: count, seconds };
}

async function relayBacklog(pool: Pool, url: string, relays: number): Promise<Row[]> {
	const topic = await newTopic();
	let start = now();
	await insertAll(pool, topic, EVENTS);
	const insert: Row = { measure: `raw INSERT, ${INSERT_CHUNK}-row transactions, no relay`, events: EVENTS, seconds: (now() - start) / 1000 };
	start = now();
	const running = await startRelays(url, topic, relays);
	await untilAllSent(pool, topic);
	const drain: Row = { measure: `${relays} relay${relays > 1 ? "s" : ""}, draining a backlog`, events: EVENTS, seconds: (now() - start) / 1000 };
	await Promise.all(running.map((r) => r.stop()));
	return relays === 1 ? [insert, drain] : [drain];
}

async function relayLive(pool: Pool, url: string): Promise<Row> {
	const topic = await newTopic();
	const [relay] = await startRelays(url, topic, 1);
	const start = now();
	await insertAll(pool, topic, EVENTS);
	await untilAllSent(pool, topic);
	const row = { measure: "1 relay, live (inserting while it publishes)", events: EVENTS, seconds: (now() - start) / 1000 };
	await relay.stop();
	return row;
}

/** Commit of one event -> its arrival on a consumer, one at a time on an idle relay. */
async function idleLatency(pool: Pool, url: string): Promise<number[]> {
	const topic = await newTopic();
	const [relay] = await startRelays(url, topic, 1);
	const consumer = kafka.consumer({ groupId: `bench-outbox-${randomUUID()}` });
	await consumer.connect();
	await consumer.subscribe({ topic, fromBeginning: true });
	let arrived: (() => void) | null = null;
	await consumer.run({ eachMessage: async () => arrived?.() });
	await new Promise((r) => setTimeout(r, 3_000)); // the group is joined
	const samples: number[] = [];
	for (let i = 0; i < LATENCY_SAMPLES; i++) {
		const { keys, values } = payloads(1, 5_000_000 + i);
		const got = new Promise<void>((resolve) => (arrived = resolve));
		await insertChunk(pool, topic, keys, values);
		const committed = now();
		await got;
		samples.push(now() - committed);
		await new Promise((r) => setTimeout(r, 100));
	}
	await consumer.disconnect();
	await relay.stop();
	return samples.sort((a, b) => a - b);
}

async function main(): Promise<void> {
	await withPrivateDatabase(cfg.databaseUrl, "orders_bench_outbox", async (url) => {
		const pool = new Pool({ connectionString: url, max: 2 });
		try {
			console.log(`outbox relay benchmark: ${EVENTS} events, batch ${cfg.outboxBatchSize}, Kafka ${brokers.join(",")}, ${cfg.kafkaPartitions} partitions`);
			const rows: Row[] = [];
			rows.push(await rawKafka(EVENTS));
			rows.push(...(await relayBacklog(pool, url, 1)));
			rows.push(await relayLive(pool, url));
			rows.push(...(await relayBacklog(pool, url, 2)));
			const latency = await idleLatency(pool, url);

			printRates(rows.map((r) => ({ measure: r.measure, count: r.events, seconds: r.seconds })), "events");
			const at = (q: number) => latency[Math.min(latency.length - 1, Math.floor(q * latency.length))].toFixed(1);
			console.log(`idle latency, commit -> consumer (${LATENCY_SAMPLES} events, one at a time): p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms`);
		} finally {
			await pool.end();
		}
	});
}

runBenchmark(main);
