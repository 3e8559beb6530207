/**
 * The raw baselines' SQL: what the service's create and state change write,
 * with plain `pg` and nothing else (no HTTP, no validation, no broker, no checks).
 */
import { randomUUID } from "node:crypto";
import type { Pool } from "pg";

export const SAMPLE_ORDER = {
	user_id: 1,
	description: "bench",
	order_products: [
		{ product_id: 1, count: 1 },
		{ product_id: 2, count: 2 },
		{ product_id: 3, count: 3 },
	],
};

/** The create transaction of lib/orders/orders-repository.ts; `outboxTopic` null leaves out the outbox row. Answers the order id. */
export async function rawCreateOrder(pool: Pool, outboxTopic: string | null, order = SAMPLE_ORDER): Promise<number> {
	const client = await pool.connect();
	try {
		await client.query("BEGIN");
		const { rows } = await client.query<{ order_id: string }>("INSERT INTO orders (user_id, description) VALUES ($1, $2) RETURNING order_id, created_at", [
			order.user_id,
			order.description,
		]);
		const orderId = rows[0].order_id;
		await client.query(
			`INSERT INTO order_products (order_id, product_id, count, position)
			SELECT $1, p.product_id, p.count, p.position - 1 FROM unnest($2::bigint[], $3::integer[]) WITH ORDINALITY AS p(product_id, count, position)`,
			[orderId, order.order_products.map((p) => p.product_id), order.order_products.map((p) => p.count)],
		);
		await client.query("INSERT INTO order_states (order_id, state) VALUES ($1, 'ORDER_CREATED')", [orderId]);
		if (outboxTopic !== null) {
			const event = { idempotent_key: randomUUID(), order_id: Number(orderId), status: "CREATED" };
			await client.query("INSERT INTO outbox (topic, message_key, payload) VALUES ($1, $2, $3::jsonb)", [outboxTopic, orderId, JSON.stringify(event)]);
		}
		await client.query("COMMIT");
		return Number(orderId);
	} catch (err) {
		await client.query("ROLLBACK").catch(() => undefined);
		throw err;
	} finally {
		client.release();
	}
}

/** The state store's effect for a batch, without its checks: history row, applied key, current state; one transaction. */
export async function rawApplyStates(pool: Pool, changes: Array<{ order_id: number; idempotent_key: string; state: string }>): Promise<void> {
	const ids = changes.map((c) => c.order_id);
	const client = await pool.connect();
	try {
		await client.query("BEGIN");
		await client.query("SELECT order_id FROM orders WHERE order_id = ANY($1) ORDER BY order_id FOR UPDATE", [ids]);
		const states = changes.map((c) => c.state);
		await client.query("INSERT INTO order_states (order_id, state) SELECT o, s::order_state FROM unnest($1::bigint[], $2::text[]) AS m(o, s)", [ids, states]);
		await client.query(
			"INSERT INTO applied_messages (order_id, idempotent_key, state) SELECT o, k, s::order_state FROM unnest($1::bigint[], $2::uuid[], $3::text[]) AS m(o, k, s)",
			[ids, changes.map((c) => c.idempotent_key), states],
		);
		await client.query(
			"UPDATE orders o SET state = m.s::order_state, updated_at = now() FROM unnest($1::bigint[], $2::text[]) AS m(id, s) WHERE o.order_id = m.id",
			[ids, states],
		);
		await client.query("COMMIT");
	} catch (err) {
		await client.query("ROLLBACK").catch(() => undefined);
		throw err;
	} finally {
		client.release();
	}
}
