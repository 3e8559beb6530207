/**
 * Orders for state and listener tests, written straight to the test database in
 * one transaction (order, products, ORDER_CREATED and any further history), so
 * these tests do not depend on the orders service.
 */
import { randomInt } from "node:crypto";
import { Pool } from "pg";
import type { OrderState } from "../../domain/order-state";
import { TEST_DATABASE_URL } from "./test-env";

export const testPool = (): Pool => new Pool({ connectionString: TEST_DATABASE_URL, max: 3 });

/** Creates an order whose recorded history is `history` (ORDER_CREATED first, added if missing). */
export async function createOrder(pool: Pool, history: OrderState[] = []): Promise<number> {
	const states: OrderState[] = history[0] === "ORDER_CREATED" ? history : ["ORDER_CREATED", ...history];
	const client = await pool.connect();
	try {
		await client.query("BEGIN");
		const { rows } = await client.query<{ order_id: string }>(
			"INSERT INTO orders (user_id, description, state) VALUES ($1, 'fixture', $2) RETURNING order_id",
			[randomInt(1, 2 ** 47), states[states.length - 1]],
		);
		const orderId = Number(rows[0].order_id);
		await client.query("INSERT INTO order_products (order_id, product_id, count, position) VALUES ($1, 3, 1, 0), ($1, 4, 2, 1)", [orderId]);
		for (const state of states) await client.query("INSERT INTO order_states (order_id, state) VALUES ($1, $2)", [orderId, state]);
		await client.query("COMMIT");
		return orderId;
	} catch (err) {
		await client.query("ROLLBACK");
		throw err;
	} finally {
		client.release();
	}
}

/** The recorded history of an order, oldest first, and its current state. */
export async function historyOf(pool: Pool, orderId: number): Promise<{ states: OrderState[]; current: OrderState }> {
	const { rows } = await pool.query<{ state: OrderState }>("SELECT state FROM order_states WHERE order_id = $1 ORDER BY recorded_at, id", [orderId]);
	const order = await pool.query<{ state: OrderState }>("SELECT state FROM orders WHERE order_id = $1", [orderId]);
	return { states: rows.map((r) => r.state), current: order.rows[0]?.state };
}

/** An order id no order has (beyond the identity sequence). */
export async function unknownOrderId(pool: Pool): Promise<number> {
	const { rows } = await pool.query<{ id: string }>("SELECT COALESCE(max(order_id), 0) + 1000000 AS id FROM orders");
	return Number(rows[0].id);
}
