/**
 * The create of an order as one SQL statement, shared by the orders service
 * (through Sequelize) and the benchmark's raw baseline (plain `pg`), so both
 * write exactly the same rows; and the create of several orders as one
 * statement, the service's group commit (./order-writer.ts).
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

/** One order to create: what a create statement's parameters are made of. */
export interface OrderToCreate {
	input: CreateOrderInput;
	claim?: IdempotencyClaim;
}

/**
 * CREATE_ORDER_SQL for several orders in one statement (one transaction): the
 * same rows, each order's products, state and event joined to it by an id taken
 * from the sequence up front. An order whose key is taken writes nothing and has
 * no row in the answer; `i` numbers the answer's rows by the input (1-based).
 * Keys are claimed in sorted order, so two batches waiting on each other's keys
 * cannot deadlock.
 * $1..$5 per order: user_id, description, key, request hash, event key;
 * $6..$9 per product: its order's number, product_id, count, position; $10 the topic.
 */
export const CREATE_ORDERS_SQL = `
	WITH input AS MATERIALIZED (
		SELECT nextval(pg_get_serial_sequence('orders', 'order_id')) AS order_id, x.*
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::uuid[])
			WITH ORDINALITY AS x(user_id, description, idempotency_key, request_hash, event_key, i)
	), o AS (
		INSERT INTO orders (order_id, user_id, description, idempotency_key, request_hash) OVERRIDING SYSTEM VALUE
		SELECT order_id, user_id, description, idempotency_key, request_hash FROM input ORDER BY idempotency_key
		ON CONFLICT (idempotency_key) DO NOTHING
		RETURNING order_id, user_id, description, state, created_at
	), products AS (
		INSERT INTO order_products (order_id, product_id, count, position)
		SELECT o.order_id, p.product_id, p.count, p.position
		FROM unnest($6::bigint[], $7::bigint[], $8::integer[], $9::smallint[]) AS p(i, product_id, count, position)
		JOIN input ON input.i = p.i JOIN o ON o.order_id = input.order_id
	), created AS (
		INSERT INTO order_states (order_id, state) SELECT order_id, 'ORDER_CREATED' FROM o
	), event AS (
		INSERT INTO outbox (topic, message_key, payload)
		SELECT $10::text, o.order_id::text, jsonb_build_object('idempotent_key', input.event_key, 'order_id', o.order_id, 'status', 'CREATED')
		FROM o JOIN input USING (order_id) WHERE $10::text IS NOT NULL
		ORDER BY o.order_id
	)
	SELECT o.*, input.i FROM o JOIN input USING (order_id)`;

/** CREATE_ORDERS_SQL's parameters for `orders`, announced on `orderTopic` (null: no event). */
export function createOrdersParams(orders: OrderToCreate[], orderTopic: string | null): unknown[] {
	const productOf: number[] = [];
	const productIds: number[] = [];
	const counts: number[] = [];
	const positions: number[] = [];
	orders.forEach(({ input }, i) =>
		input.order_products.forEach((p, position) => {
			productOf.push(i + 1);
			productIds.push(p.product_id);
			counts.push(p.count);
			positions.push(position);
		}),
	);
	return [
		orders.map((o) => o.input.user_id),
		orders.map((o) => o.input.description ?? ""),
		orders.map((o) => o.claim?.key ?? null),
		orders.map((o) => o.claim?.requestHash ?? null),
		orders.map(() => randomUUID()),
		productOf,
		productIds,
		counts,
		positions,
		orderTopic,
	];
}
