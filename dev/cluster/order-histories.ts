/**
 * The recorded saga of many orders at once, for tests that check thousands of
 * them: each order's states oldest first, how many applied-message keys it has,
 * and whether the history is one of the contract's chains.
 */
import type { Pool } from "pg";
import type { OrderState } from "../../domain/order-state";

export interface OrderHistory {
	current: OrderState;
	states: OrderState[];
	/** Rows in applied_messages: one per Kafka message that made a state. */
	applied: number;
}

export async function historiesOf(pool: Pool, orderIds: number[]): Promise<Map<number, OrderHistory>> {
	const { rows } = await pool.query<{ order_id: string; current: OrderState; states: OrderState[]; applied: string }>(
		`SELECT o.order_id, o.state AS current,
			(SELECT array_agg(s.state::text ORDER BY s.recorded_at, s.id) FROM order_states s WHERE s.order_id = o.order_id) AS states,
			(SELECT count(*) FROM applied_messages a WHERE a.order_id = o.order_id) AS applied
		FROM orders o WHERE o.order_id = ANY($1::bigint[])`,
		[orderIds],
	);
	return new Map(rows.map((r) => [Number(r.order_id), { current: r.current, states: r.states ?? [], applied: Number(r.applied) }]));
}

/** The contract's complete chains (docs/kafka-behaviour.md). */
export const TERMINAL_CHAINS: OrderState[][] = [
	["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"],
	["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_FAILED"],
	["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_FAILED"],
	["ORDER_CREATED", "RESERVE_FAILED"],
];

export const isTerminalChain = (states: OrderState[]): boolean => TERMINAL_CHAINS.some((chain) => chain.join() === states.join());
