/**
 * The raw baselines' SQL: what the service's create and state change write,
 * with plain `pg` and nothing else (no HTTP, no validation, no broker, no checks).
 */
import type { Pool } from "pg";
import { CREATE_ORDER_SQL, createOrderParams } from "../lib/orders/create-order-statement";

export const SAMPLE_ORDER = {
	user_id: 1,
	description: "bench",
	order_products: [
		{ product_id: 1, count: 1 },
		{ product_id: 2, count: 2 },
		{ product_id: 3, count: 3 },
	],
};

/** The create statement of lib/orders/orders-repository.ts, sent with plain `pg`; `outboxTopic` null leaves out the outbox row. Answers the order id. */
export async function rawCreateOrder(pool: Pool, outboxTopic: string | null, order = SAMPLE_ORDER): Promise<number> {
	const { rows } = await pool.query<{ order_id: string }>(CREATE_ORDER_SQL, createOrderParams(order, outboxTopic));
	return Number(rows[0].order_id);
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
