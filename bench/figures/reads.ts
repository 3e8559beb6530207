/** GET /api/orders/:id at 64 clients, on a node with the Redis read cache and one without. */
import { randomInt } from "node:crypto";
import type { Pool } from "pg";
import type { BenchNode } from "../nodes";
import { closedLoop, type Latency } from "../support";

export interface ReadFigure extends Latency {
	reads_per_s: number;
}

export const READ_CLIENTS = 64;

/** Order ids to read: `count` orders written straight into the database. */
export async function seedOrders(pool: Pool, count: number): Promise<number[]> {
	const { rows } = await pool.query<{ order_id: string }>(
		`WITH o AS (INSERT INTO orders (user_id, description) SELECT 1, 'bench read' FROM generate_series(1, $1) RETURNING order_id),
		p AS (INSERT INTO order_products (order_id, product_id, count, position) SELECT order_id, g, g, g - 1 FROM o, generate_series(1, 3) g)
		INSERT INTO order_states (order_id, state) SELECT order_id, 'ORDER_CREATED' FROM o RETURNING order_id`,
		[count],
	);
	return rows.map((r) => Number(r.order_id));
}

export async function readFigure(node: BenchNode, ids: number[], seconds: number): Promise<ReadFigure> {
	const read = async () => {
		const res = await fetch(`http://127.0.0.1:${node.port}/api/orders/${ids[randomInt(ids.length)]}`);
		await res.arrayBuffer();
		if (res.status !== 200) throw new Error(`GET /api/orders/:id answered ${res.status}`);
	};
	await closedLoop(READ_CLIENTS, 1, read); // warm-up: fills the cache, JIT, pools
	const { per_s, ...rest } = await closedLoop(READ_CLIENTS, seconds, read);
	return { reads_per_s: per_s, p50_ms: rest.p50_ms, p99_ms: rest.p99_ms, max_ms: rest.max_ms };
}
