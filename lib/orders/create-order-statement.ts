/**
 * The create of an order as one SQL statement, shared by the orders service
 * (through Sequelize) and the benchmark's raw baseline (plain `pg`), so both
 * write exactly the same rows.
 */
import { randomUUID } from "node:crypto";
import type { CreateOrderInput } from "../../domain/order-input";

/** An Idempotency-Key and the hash of the request that came with it. */
export interface IdempotencyClaim {
	key: string;
	requestHash: string;
}

/**
 * The whole create as ONE statement (one round trip, atomic on its own): the
 * order row, then from its id the products, ORDER_CREATED and the outbox event.
 * With an Idempotency-Key the insert of the order claims the key (UNIQUE): a
 * concurrent request with the same key waits for this one to commit and then
 * finds the key taken, so the statement returns no row and writes nothing.
 * $1 user_id, $2 description, $3 idempotency key, $4 request hash, $5/$6 the
 * products' ids and counts, $7 the outbox topic (NULL: no event), $8 the event's idempotent_key.
 */
export const CREATE_ORDER_SQL = `
	WITH o AS (
		INSERT INTO orders (user_id, description, idempotency_key, request_hash) VALUES ($1, $2, $3, $4)
		ON CONFLICT (idempotency_key) DO NOTHING
		RETURNING order_id, user_id, description, state, created_at
	), products AS (
		INSERT INTO order_products (order_id, product_id, count, position)
		SELECT o.order_id, p.product_id, p.count, p.position - 1
		FROM o, unnest($5::bigint[], $6::integer[]) WITH ORDINALITY AS p(product_id, count, position)
	), created AS (
		INSERT INTO order_states (order_id, state) SELECT order_id, 'ORDER_CREATED' FROM o
	), event AS (
		INSERT INTO outbox (topic, message_key, payload)
		SELECT $7::text, o.order_id::text, jsonb_build_object('idempotent_key', $8::uuid, 'order_id', o.order_id, 'status', 'CREATED')
		FROM o WHERE $7::text IS NOT NULL
	)
	SELECT * FROM o`;

/** CREATE_ORDER_SQL's parameters for `input`. */
export const createOrderParams = (input: CreateOrderInput, orderTopic: string | null, claim?: IdempotencyClaim): unknown[] => [
	input.user_id,
	input.description ?? "",
	claim?.key ?? null,
	claim?.requestHash ?? null,
	input.order_products.map((p) => p.product_id),
	input.order_products.map((p) => p.count),
	orderTopic,
	randomUUID(),
];
