/**
 * Data access of the orders service. `createOrder` is the one write: order,
 * products, ORDER_CREATED and the outbox event in one statement of SQL. One
 * order and the list are read through the `orders` model (lib/orders/orders-model.ts),
 * the products of an order in the same statement. bigint columns come back from pg
 * as strings; they leave here as JSON numbers (ids are checked to be safe
 * integers on the way in).
 */
import { literal, Op, QueryTypes, type Model, type ModelStatic, type Sequelize, type WhereOptions } from "sequelize";
import type { CreateOrderInput } from "../../domain/order-input";
import type { OrderState } from "../../domain/order-state";
import type { Order, OrderProduct, OrderStateEntry, OrderSummary } from "../../domain/order-view";
import type { IdempotencyClaim } from "./create-order-statement";
import { orderWriter, type CreatedOrderRow } from "./order-writer";

interface OrderRow extends CreatedOrderRow {
	order_products?: OrderProduct[];
}

const summary = (row: OrderRow): OrderSummary => ({
	order_id: Number(row.order_id),
	user_id: Number(row.user_id),
	description: row.description,
	state: row.state,
	created_at: row.created_at.toISOString(),
});

/** The model's rows, as plain objects. */
type OrdersModel = ModelStatic<Model>;

const SUMMARY_ATTRIBUTES = ["order_id", "user_id", "description", "state", "created_at"];
/** The products of the order the query selects (Sequelize names its table after the model), in the order sent. */
const productsOf = (model: OrdersModel) =>
	literal(`COALESCE((
	SELECT json_agg(json_build_object('product_id', p.product_id, 'count', p.count) ORDER BY p.position)
	FROM order_products p WHERE p.order_id = "${model.name}".order_id), '[]'::json)`);

export async function findOrder(orders: OrdersModel, orderId: number): Promise<Order | null> {
	const row = await orders.findByPk<Model<OrderRow>>(orderId, {
		attributes: [...SUMMARY_ATTRIBUTES, [productsOf(orders), "order_products"]],
		raw: true,
	});
	const order = row as OrderRow | null;
	return order ? { ...summary(order), order_products: order.order_products ?? [] } : null;
}

/** The history, oldest first; null for an unknown order (every order has ORDER_CREATED). */
export async function findStates(db: Sequelize, orderId: number): Promise<OrderStateEntry[] | null> {
	const rows = await db.query<{ state: OrderState; recorded_at: Date }>(
		"SELECT state, recorded_at FROM order_states WHERE order_id = $1 ORDER BY recorded_at, id",
		{ bind: [orderId], type: QueryTypes.SELECT },
	);
	return rows.length > 0 ? rows.map((r) => ({ state: r.state, time: r.recorded_at.toISOString() })) : null;
}

/** Newest first, below `beforeOrderId`, of one user and/or in one state (the console's filter); one extra row tells whether a next page exists. */
export async function listOrders(orders: OrdersModel, q: { userId?: number; state?: OrderState; beforeOrderId?: number; limit: number }): Promise<{ orders: OrderSummary[]; more: boolean }> {
	const where: WhereOptions = {
		...(q.userId !== undefined && { user_id: q.userId }),
		...(q.state !== undefined && { state: q.state }),
		...(q.beforeOrderId !== undefined && { order_id: { [Op.lt]: q.beforeOrderId } }),
	};
	const rows = (await orders.findAll({ attributes: SUMMARY_ATTRIBUTES, where, order: [["order_id", "DESC"]], limit: q.limit + 1, raw: true })) as unknown as OrderRow[];
	return { orders: rows.slice(0, q.limit).map(summary), more: rows.length > q.limit };
}

export type CreateResult =
	| { kind: "created"; order: Order }
	/** The key was used before: `sameRequest` tells whether for this very request. */
	| { kind: "replayed"; orderId: number; sameRequest: boolean };

/**
 * Writes the order, its products, ORDER_CREATED and the outbox event: one statement, one transaction,
 * shared with concurrent creates when the database is busy (./order-writer.ts).
 * The statement goes to a `pg` client of the node's pool directly: the hot path skips Sequelize's query path.
 */
export async function createOrder(db: Sequelize, input: CreateOrderInput, orderTopic: string, claim?: IdempotencyClaim): Promise<CreateResult> {
	const row = await orderWriter(db, orderTopic)({ input, claim });
	const created = row && { ...summary(row), order_products: input.order_products.map((p) => ({ product_id: p.product_id, count: p.count })) };
	if (created) return { kind: "created", order: created };
	// Reached only with a claim: the key belongs to an earlier, committed order.
	const [earlier] = await db.query<{ order_id: string; request_hash: string }>(
		"SELECT order_id, request_hash FROM orders WHERE idempotency_key = $1",
		{ bind: [claim?.key], type: QueryTypes.SELECT },
	);
	return { kind: "replayed", orderId: Number(earlier.order_id), sameRequest: earlier.request_hash === claim?.requestHash };
}
