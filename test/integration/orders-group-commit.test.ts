/**
 * Concurrent creates share statements (group commit, lib/orders/order-writer.ts)
 * and each order still comes out whole, with its own products, state and event,
 * or not at all. Orders of one batch share a transaction, hence a created_at:
 * that is how these tests see that batches really formed. A trigger on this
 * file's own outbox topic refuses the event of one user, so one order of a
 * batch fails for real.
 */
import { randomUUID } from "node:crypto";
import type { Order } from "../../domain/order-view";
import { randomUserId, rowsOf } from "../e2e/rest-support";
import { useOrdersNodeRefusingEventsOf } from "../support/outbox-refusal";

const CONCURRENT = 60;
const doomedUser = randomUserId();
const node = useOrdersNodeRefusingEventsOf(doomedUser);

/** A body of its own per order: products and description tell the orders apart. */
const bodyOf = (n: number, userId = randomUserId()) => ({
	user_id: userId,
	description: `order ${n}`,
	order_products: [
		{ product_id: 1000 + n, count: n + 1 },
		{ product_id: 10, count: 1 },
	],
});

const create = (body: object, meta: object = {}) => node.broker.call<Order, object>("orders.create", body, { meta });

/** How many transactions wrote these orders: one created_at each. */
async function transactionsOf(orderIds: number[]): Promise<number> {
	const { rows } = await node.db.query("SELECT count(DISTINCT created_at)::int AS n FROM orders WHERE order_id = ANY($1)", [orderIds]);
	return rows[0].n;
}

it("concurrent creates share commits, and each order has exactly its own products, state and event", async () => {
	const bodies = Array.from({ length: CONCURRENT }, (_, n) => bodyOf(n));
	const orders = await Promise.all(bodies.map((body) => create(body)));

	expect(orders.map((o) => ({ user_id: o.user_id, description: o.description, order_products: o.order_products }))).toEqual(bodies);
	expect(new Set(orders.map((o) => o.order_id)).size).toBe(CONCURRENT);
	expect(await transactionsOf(orders.map((o) => o.order_id))).toBeLessThan(CONCURRENT);

	const { rows } = await node.db.query(
		`SELECT o.order_id::float8 AS order_id, o.user_id::float8 AS user_id, o.description,
			(SELECT json_agg(json_build_object('product_id', p.product_id, 'count', p.count) ORDER BY p.position) FROM order_products p WHERE p.order_id = o.order_id) AS order_products,
			(SELECT array_agg(s.state::text) FROM order_states s WHERE s.order_id = o.order_id) AS states,
			(SELECT json_agg(e.payload) FROM outbox e WHERE e.topic = $2 AND e.message_key = o.order_id::text) AS events
		FROM orders o WHERE o.order_id = ANY($1) ORDER BY o.order_id`,
		[orders.map((o) => o.order_id), node.topic],
	);
	const expected = orders
		.map((o) => ({
			order_id: o.order_id,
			user_id: o.user_id,
			description: o.description,
			order_products: o.order_products,
			states: ["ORDER_CREATED"],
			events: [{ idempotent_key: expect.any(String), order_id: o.order_id, status: "CREATED" }],
		}))
		.sort((a, b) => a.order_id - b.order_id);
	expect(rows).toEqual(expected);
	// Each event has a key of its own.
	expect(new Set(rows.map((r) => r.events[0].idempotent_key)).size).toBe(CONCURRENT);
});

it("one refused order among concurrent creates fails alone: the others are created whole, it leaves nothing", async () => {
	const before = await rowsOf(node.db, doomedUser, node.topic);
	const bodies = Array.from({ length: CONCURRENT }, (_, n) => bodyOf(n, n === CONCURRENT / 2 ? doomedUser : undefined));
	const answers = await Promise.allSettled(bodies.map((body) => create(body)));

	const failed = answers.flatMap((a, n) => (a.status === "rejected" ? [{ n, reason: a.reason }] : []));
	expect(failed).toEqual([{ n: CONCURRENT / 2, reason: expect.objectContaining({ code: 500, message: "Internal error" }) }]);
	// The others announced, the refused one not.
	expect(await rowsOf(node.db, doomedUser, node.topic)).toEqual({ orders: 0, products: 0, states: 0, outbox: before.outbox + CONCURRENT - 1 });

	const created = answers.flatMap((a) => (a.status === "fulfilled" ? [a.value] : []));
	for (const order of created) expect(await rowsOf(node.db, order.user_id, node.topic)).toMatchObject({ orders: 1, products: 2, states: 1 });
});

it("one Idempotency-Key sent by concurrent creates makes one order: the same request gets it, another body a conflict", async () => {
	const key = randomUUID();
	const body = bodyOf(1);
	const other = { ...body, description: "another request" };
	const answers = await Promise.allSettled([...Array.from({ length: 20 }, () => create(body, { idempotency_key: key })), create(other, { idempotency_key: key })]);

	const { rows } = await node.db.query("SELECT order_id::int FROM orders WHERE idempotency_key = $1", [key]);
	expect(rows).toHaveLength(1);
	expect(answers.slice(0, 20)).toEqual(Array.from({ length: 20 }, () => ({ status: "fulfilled", value: expect.objectContaining({ order_id: rows[0].order_id }) })));
	// The first of the 20, sent first, claimed the key: the other body is refused.
	expect(answers[20]).toEqual({ status: "rejected", reason: expect.objectContaining({ code: 409 }) });
	expect(await rowsOf(node.db, body.user_id, node.topic)).toMatchObject({ orders: 1, products: 2, states: 1 });
});
