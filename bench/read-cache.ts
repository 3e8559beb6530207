/**
 * Is the Redis cache of GET /api/orders/:id worth having? Measures the same
 * HTTP reads against a node with the broker's Redis cacher and a node without,
 * alternating (on, off, on, off) in one run so both see the same machine.
 *
 *   npm run bench:read-cache            # DATABASE_URL, REDIS_URL as for `npm start`
 *   BENCH_SECONDS=5 BENCH_CONCURRENCY=16 npm run bench:read-cache
 *
 * It creates its own orders (one random user) and deletes them at the end.
 */
import { randomInt } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import { Client } from "pg";
import { createNode } from "../lib/platform/broker";
import { kafkaBrokers, loadConfig } from "../lib/platform/config";
import { ensureDatabase, migrateUp } from "../lib/platform/database";
import { createKafka, ensureTopics } from "../lib/platform/kafka";
import { runBenchmark } from "./support";

process.env.NAMESPACE ??= `bench-${randomInt(1e9)}`;
process.env.ORDER_TOPIC ??= "bench-read-cache";
process.env.LOG_LEVEL ??= "warn";
process.env.METRICS = "off";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ORDERS = 200;

interface Round {
	cache: "on" | "off";
	requests: number;
	perSecond: number;
	p50: number;
	p99: number;
}

async function startGateway(cache: boolean): Promise<ServiceBroker> {
	const broker = createNode(loadConfig(), ["api-gateway", "orders"], cache ? {} : { cacher: undefined });
	await broker.start();
	return broker;
}

/** CONCURRENCY clients reading random orders for SECONDS. */
async function measure(base: string, ids: number[], cache: Round["cache"]): Promise<Round> {
	const latencies: number[] = [];
	const until = performance.now() + SECONDS * 1000;
	const client = async () => {
		while (performance.now() < until) {
			const start = performance.now();
			const res = await fetch(`${base}/orders/${ids[randomInt(ids.length)]}`);
			await res.arrayBuffer();
			if (res.status !== 200) throw new Error(`GET answered ${res.status}`);
			latencies.push(performance.now() - start);
		}
	};
	await Promise.all(Array.from({ length: CONCURRENCY }, client));
	latencies.sort((a, b) => a - b);
	const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
	return { cache, requests: latencies.length, perSecond: latencies.length / SECONDS, p50: at(0.5), p99: at(0.99) };
}

async function main(): Promise<void> {
	const cfg = loadConfig();
	await ensureDatabase(cfg.databaseUrl);
	await migrateUp(cfg.databaseUrl);
	// A relay running meanwhile publishes the bench's outbox rows: their topic must exist.
	await ensureTopics(createKafka(kafkaBrokers(cfg), "bench", 0), [cfg.topics.order], 1);
	const base = `http://127.0.0.1:${cfg.port}/api`;
	const userId = randomInt(1e12, 2 ** 47);
	const db = new Client({ connectionString: cfg.databaseUrl });
	await db.connect();
	const rounds: Round[] = [];
	try {
		let broker = await startGateway(true);
		const ids: number[] = [];
		for (let i = 0; i < ORDERS; i++) {
			const order_products = Array.from({ length: 5 }, (_, p) => ({ product_id: p + 1, count: p + 1 }));
			const res = await fetch(`${base}/orders`, { method: "POST", body: JSON.stringify({ user_id: userId, description: `bench ${i}`, order_products }) });
			ids.push(((await res.json()) as { order_id: number }).order_id);
		}
		await broker.stop();
		for (const cache of [true, false, true, false]) {
			broker = await startGateway(cache);
			await measure(base, ids, cache ? "on" : "off"); // warm-up: fills the cache, JIT, pools
			rounds.push(await measure(base, ids, cache ? "on" : "off"));
			await broker.stop();
		}
	} finally {
		await db.query("DELETE FROM orders WHERE user_id = $1", [userId]);
		await db.query("DELETE FROM outbox WHERE topic = $1", [process.env.ORDER_TOPIC]);
		await db.end();
	}
	console.log(`GET /api/orders/:id, ${ORDERS} orders of 5 products, ${CONCURRENCY} concurrent clients, ${SECONDS} s per round`);
	console.table(rounds.map((r) => ({ cache: r.cache, requests: r.requests, "req/s": Math.round(r.perSecond), "p50 ms": r.p50.toFixed(2), "p99 ms": r.p99.toFixed(2) })));
	const mean = (c: Round["cache"]) => rounds.filter((r) => r.cache === c).reduce((s, r) => s + r.perSecond, 0) / 2;
	console.log(`cache on / off throughput: ${(mean("on") / mean("off")).toFixed(2)}x`);
}

runBenchmark(main);
