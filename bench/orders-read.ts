/**
 * Reads of the orders service without the cache: `orders.get` (one order with
 * its products) and `orders.list` (a page of a user's orders), called in
 * process, a bounded number of times each, sequentially. Compares data-access
 * changes (hand SQL against the moleculer-db model) on one machine.
 *
 *   npm run bench:orders-read         # DATABASE_URL as for `npm start`
 *   BENCH_CALLS=2000 npm run bench:orders-read
 *
 * It creates its own orders (one random user) and deletes them at the end.
 */
import { randomInt } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import { Client } from "pg";
import { createNode } from "../wiring/create-node";
import { loadConfig } from "../lib/platform/config/config";
import { ensureDatabase } from "../lib/platform/clients/database";
import { migrateUp } from "../lib/platform/startup/migrations";
import { runBenchmark } from "./support";
import { readCommandLine } from "../bin/command-line";

readCommandLine({
	command: "npm run bench:orders-read",
	summary: "Reads of the orders service without the cache (orders.get and orders.list, in process). Environment: BENCH_CALLS, DATABASE_URL.",
	options: {},
});

process.env.NAMESPACE ??= `bench-${randomInt(1e9)}`;
process.env.ORDER_TOPIC ??= "bench-orders-read";
process.env.LOG_LEVEL ??= "warn";
process.env.METRICS = "off";

const CALLS = Number(process.env.BENCH_CALLS ?? 1_000);
const ORDERS = 100;

interface Round {
	action: string;
	calls: number;
	"mean ms": string;
	"p50 ms": string;
	"p99 ms": string;
}

async function measure(action: string, call: (i: number) => Promise<unknown>): Promise<Round> {
	const latencies: number[] = [];
	for (let i = 0; i < CALLS; i++) {
		const start = performance.now();
		await call(i);
		latencies.push(performance.now() - start);
	}
	latencies.sort((a, b) => a - b);
	const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(3);
	const mean = (latencies.reduce((s, l) => s + l, 0) / latencies.length).toFixed(3);
	return { action, calls: CALLS, "mean ms": mean, "p50 ms": at(0.5), "p99 ms": at(0.99) };
}

async function main(): Promise<void> {
	const cfg = loadConfig();
	await ensureDatabase(cfg.databaseUrl);
	await migrateUp(cfg.databaseUrl);
	const userId = randomInt(1e12, 2 ** 47);
	const db = new Client({ connectionString: cfg.databaseUrl });
	await db.connect();
	// No cacher: every read reaches PostgreSQL.
	const broker: ServiceBroker = createNode(cfg, ["orders"], { cacher: undefined, transporter: undefined });
	const rounds: Round[] = [];
	try {
		await broker.start();
		const ids: number[] = [];
		for (let i = 0; i < ORDERS; i++) {
			const order_products = Array.from({ length: 5 }, (_, p) => ({ product_id: p + 1, count: p + 1 }));
			const order = await broker.call<{ order_id: number }, object>("orders.create", { user_id: userId, description: `bench ${i}`, order_products });
			ids.push(order.order_id);
		}
		const get = (i: number) => broker.call("orders.get", { order_id: ids[i % ids.length] });
		const list = () => broker.call("orders.list", { user_id: userId, limit: 20 });
		for (let round = 0; round < 2; round++) {
			await measure("warm-up", get);
			rounds.push(await measure("orders.get", get), await measure("orders.list", list));
		}
	} finally {
		await broker.stop();
		await db.query("DELETE FROM orders WHERE user_id = $1", [userId]);
		await db.query("DELETE FROM outbox WHERE topic = $1", [process.env.ORDER_TOPIC]);
		await db.end();
	}
	console.log(`orders.get / orders.list (limit 20) in process, no cache, ${ORDERS} orders of 5 products, ${CALLS} sequential calls per round`);
	console.table(rounds);
}

runBenchmark(main);
