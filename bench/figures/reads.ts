/** GET /api/orders/:id at 64 clients, on a node with the Redis read cache and one without, in alternating slices. */
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

export async function readFigures(ctx: BenchContext, cached: BenchNode, uncached: BenchNode, ids: number[]): Promise<ReadFigures> {
	const reader = (node: BenchNode) => async () => {
		const { status } = await httpCall(node.port, "GET", `/api/orders/${ids[randomInt(ids.length)]}`);
		if (status !== 200) throw new Error(`GET /api/orders/:id answered ${status}`);
	};
	for (const node of [cached, uncached]) await closedLoop(READ_CLIENTS, 1, reader(node)); // warm-up: fills the cache, JIT, pools
	const [hit, miss] = await alternate(ctx.quick ? 3 : 6, ctx.quick ? 1 : 2, READ_CLIENTS, reader(cached), reader(uncached));
	const figure = ({ per_s, ...rest }: typeof hit): ReadFigure => ({ reads_per_s: per_s, ...rest });
	return { clients: READ_CLIENTS, cached: figure(hit), uncached: figure(miss), cache_speedup: round(hit.per_s / miss.per_s, 2) };
}
