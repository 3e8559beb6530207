/**
 * GET /api/orders/:id at 64 clients, on a node with the Redis read cache and one
 * without, in alternating slices; then the node without the cache against the raw
 * baseline (bench/raw-read-node.ts: the same read from a `pg` pool behind a plain
 * node:http server), in alternating slices too.
 */
import { randomInt } from "node:crypto";
import type { Pool } from "pg";
import type { BenchContext } from "../context";
import { httpCall } from "../http-client";
import type { BenchNode } from "../nodes";
import { alternate, closedLoop, round, type Latency } from "../support";

export interface ReadFigure extends Latency {
	reads_per_s: number;
}

export interface ReadFigures {
	clients: number;
	cached: ReadFigure;
	uncached: ReadFigure;
	cache_speedup: number;
	/** The same read from a `pg` pool behind a plain node:http server. */
	raw?: ReadFigure;
	/** Uncached service reads / raw reads, measured in alternating slices (1.0x = as fast as raw). */
	uncached_ratio_vs_raw?: number;
}

export const READ_CLIENTS = 64;

/** Order ids to read: `count` orders of 3 products written straight into the database. */
export async function seedOrders(pool: Pool, count: number): Promise<number[]> {
	const { rows } = await pool.query<{ order_id: string }>(
		`WITH o AS (INSERT INTO orders (user_id, description) SELECT 1, 'bench read' FROM generate_series(1, $1) RETURNING order_id),
		p AS (INSERT INTO order_products (order_id, product_id, count, position) SELECT order_id, g, g, g - 1 FROM o, generate_series(1, 3) g)
		INSERT INTO order_states (order_id, state) SELECT order_id, 'ORDER_CREATED' FROM o RETURNING order_id`,
		[count],
	);
	return rows.map((r) => Number(r.order_id));
}

export async function readFigures(ctx: BenchContext, cached: BenchNode, uncached: BenchNode, raw: BenchNode, ids: number[]): Promise<ReadFigures> {
	const reader = (node: BenchNode) => async () => {
		const { status } = await httpCall(node.port, "GET", `/api/orders/${ids[randomInt(ids.length)]}`);
		if (status !== 200) throw new Error(`GET /api/orders/:id answered ${status}`);
	};
	for (const node of [cached, uncached, raw]) await closedLoop(READ_CLIENTS, 1, reader(node)); // warm-up: fills the cache, JIT, pools
	const [slices, secondsEach] = [ctx.quick ? 3 : 6, ctx.quick ? 1 : 2];
	const [hit, miss] = await alternate(slices, secondsEach, READ_CLIENTS, reader(cached), reader(uncached));
	const [service, bare] = await alternate(slices, secondsEach, READ_CLIENTS, reader(uncached), reader(raw));
	const figure = ({ per_s, p50_ms, p99_ms, max_ms }: typeof hit): ReadFigure => ({ reads_per_s: per_s, p50_ms, p99_ms, max_ms });
	return {
		clients: READ_CLIENTS,
		cached: figure(hit),
		uncached: figure(miss),
		cache_speedup: round(hit.per_s / miss.per_s, 2),
		raw: figure(bare),
		uncached_ratio_vs_raw: round(service.per_s / bare.per_s, 2),
	};
}
