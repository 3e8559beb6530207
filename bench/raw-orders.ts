/**
 * The raw baselines' SQL: what the service's create and state change write,
 * with plain `pg` and nothing else (no HTTP, no validation, no broker, no checks).
 */
import type { Pool } from "pg";
import { CREATE_ORDER_SQL, createOrderParams } from "../lib/orders/create-order-statement";
import { RECORD_STATES_SQL, recordStatesRows, type KeyRow } from "../lib/state/record-states-statement";
import { inTransaction } from "./pg-transaction";

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

/** The state store's effect for a batch, without its checks: the locks, then its write statement; one transaction. */
export async function rawApplyStates(pool: Pool, changes: Array<KeyRow & { topic: string; partition: number; offset: string }>): Promise<void> {
	const ids = changes.map((c) => c.order_id);
	await inTransaction(pool, async (client) => {
		await client.query("SELECT order_id FROM orders WHERE order_id = ANY($1) ORDER BY order_id FOR UPDATE", [ids]);
		const latest = new Map(changes.map((c) => [c.order_id, c.state]));
		// The rows the state store sends: each state, each applied key with where its message was read, each current state.
		const states = changes.map(({ order_id, state }) => ({ order_id, state }));
		await client.query(RECORD_STATES_SQL, recordStatesRows(states, changes, latest).map((rows) => JSON.stringify(rows)));
	});
}
