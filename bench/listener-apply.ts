/**
 * How fast do the listeners turn messages into states? In one run, on a private
 * database, with N orders and N `reserve` CREATED messages on a fresh topic:
 *   - raw consume: a bare kafkajs consumer reads the N messages and does nothing
 *     (the consume ceiling);
 *   - raw SQL: the same N states written with the state store's effect and none
 *     of its checks — order_states, applied_messages and orders.state in
 *     1,000-row transactions (the write ceiling);
 *   - listener: a node running `state` and `reserve-listener` applies the N
 *     messages (first message -> last state recorded, node start excluded).
 *
 *   npm run bench:listener                   # Kafka from KAFKA_BROKERS or 127.0.0.1:9092
 *   BENCH_MESSAGES=20000 KAFKA_PARTITIONS=6 npm run bench:listener
 */
import { randomUUID } from "node:crypto";
import { Pool } from "pg";
import { createNode } from "../lib/platform/broker";
import { kafkaBrokers, loadConfig } from "../lib/platform/config";
import { createKafka, deadLetterTopic, ensureTopics } from "../lib/platform/kafka";
import { printRates, runBenchmark, withPrivateDatabase } from "./support";

const run = randomUUID().slice(0, 8);
Object.assign(process.env, {
	RESERVE_TOPIC: `bench-${run}-reserve`,
	RESERVE_GROUP: `bench-${run}-reserve`,
	NAMESPACE: `bench-${run}`,
	LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
	METRICS: "off",
	KAFKAJS_NO_PARTITIONER_WARNING: "1",
});
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 30_000);
const CHUNK = 1_000;
const baseCfg = loadConfig();
const kafka = createKafka(kafkaBrokers(baseCfg), "bench-listener");
const now = () => performance.now();

interface Row {
	measure: string;
	count: number;
	seconds: number;
}

async function createOrders(pool: Pool, count: number): Promise<number[]> {
	const { rows } = await pool.query<{ order_id: string }>(
		`WITH o AS (INSERT INTO orders (user_id, description) SELECT 1, 'bench' FROM generate_series(1, $1) RETURNING order_id)
		INSERT INTO order_states (order_id, state) SELECT order_id, 'ORDER_CREATED' FROM o RETURNING order_id`,
		[count],
	);
	return rows.map((r) => Number(r.order_id));
}

async function produceReserves(topic: string, orderIds: number[]): Promise<void> {
	const producer = kafka.producer();
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

async function rawConsume(topic: string, count: number): Promise<Row> {
	const consumer = kafka.consumer({ groupId: `bench-raw-${run}` });
	await consumer.connect();
	await consumer.subscribe({ topic, fromBeginning: true });
	let seen = 0;
	let first = 0;
	const finished = new Promise<number>((done) => {
		void consumer.run({
			eachBatch: async ({ batch }) => {
				if (seen === 0) first = now();
				seen += batch.messages.length;
				if (seen >= count) done(now());
			},
		});
	});
	const last = await finished;
	await consumer.disconnect();
	return { measure: "raw kafkajs consume, no database", count, seconds: (last - first) / 1000 };
}

async function rawSql(pool: Pool, orderIds: number[]): Promise<Row> {
	const start = now();
	for (let i = 0; i < orderIds.length; i += CHUNK) {
		const ids = orderIds.slice(i, i + CHUNK);
		const keys = ids.map(() => randomUUID());
		const client = await pool.connect();
		try {
			await client.query("BEGIN");
			await client.query("SELECT order_id FROM orders WHERE order_id = ANY($1) ORDER BY order_id FOR UPDATE", [ids]);
			await client.query("INSERT INTO order_states (order_id, state) SELECT unnest($1::bigint[]), 'RESERVE_CREATED'", [ids]);
			await client.query(
				"INSERT INTO applied_messages (order_id, idempotent_key, state) SELECT o, k, 'RESERVE_CREATED' FROM unnest($1::bigint[], $2::uuid[]) AS m(o, k)",
				[ids, keys],
			);
			await client.query("UPDATE orders SET state = 'RESERVE_CREATED', updated_at = now() WHERE order_id = ANY($1)", [ids]);
			await client.query("COMMIT");
		} finally {
			client.release();
		}
	}
	return { measure: `raw SQL effect, ${CHUNK}-row transactions, no checks`, count: orderIds.length, seconds: (now() - start) / 1000 };
}

async function listener(url: string, pool: Pool, orderIds: number[]): Promise<Row> {
	process.env.DATABASE_URL = url; // the services read their settings when they load
	const node = createNode(loadConfig(), ["state", "reserve-listener"]);
	await node.start();
	const applied = async () =>
		(await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM order_states WHERE state = 'RESERVE_CREATED' AND order_id = ANY($1)", [orderIds])).rows[0].n;
	let start = 0;
	for (;;) {
		const n = await applied();
		if (n > 0 && start === 0) start = now();
		if (n >= orderIds.length) break;
		await new Promise((r) => setTimeout(r, 20));
	}
	const seconds = (now() - start) / 1000;
	await node.stop();
	return { measure: "listener: state + reserve-listener node", count: orderIds.length, seconds };
}

async function main(): Promise<void> {
	const topic = baseCfg.topics.reserve;
	await ensureTopics(kafka, [topic, deadLetterTopic(topic)], baseCfg.kafkaPartitions);
	await withPrivateDatabase(baseCfg.databaseUrl, "orders_bench_listener", async (url) => {
		const pool = new Pool({ connectionString: url, max: 2 });
		try {
			console.log(`listener benchmark: ${MESSAGES} reserve messages, ${baseCfg.kafkaPartitions} partitions, Kafka ${kafkaBrokers(baseCfg).join(",")}`);
			const forListener = await createOrders(pool, MESSAGES);
			await produceReserves(topic, forListener);
			const rows: Row[] = [await rawConsume(topic, MESSAGES)];
			rows.push(await rawSql(pool, await createOrders(pool, MESSAGES)));
			rows.push(await listener(url, pool, forListener));
			printRates(rows, "messages");
		} finally {
			await pool.end();
		}
	});
}

runBenchmark(main);
