/**
 * The node's writer of new orders: a group commit (lib/platform/support/group-commit.ts)
 * over the node's pool. A lone create runs CREATE_ORDER_SQL at once; creates that
 * arrive while the database is busy go together as CREATE_ORDERS_SQL, one
 * statement and one commit, each order still whole or absent.
 */
import type { Sequelize } from "sequelize";
import type { OrderState } from "../../domain/order-state";
import { rawPgPool, type PreparedStatement } from "../platform/clients/raw-pg-pool";
import { failureKind, sqlState } from "../platform/support/failure-kind";
import { groupCommit, type GroupCommit } from "../platform/support/group-commit";
import { CREATE_ORDER_SQL, CREATE_ORDERS_SQL, createOrderParams, createOrdersParams, type OrderToCreate } from "./create-order-statement";

/** A created order's row; none when its Idempotency-Key was taken. */
export interface CreatedOrderRow {
	order_id: string;
	user_id: string;
	description: string;
	state: OrderState;
	created_at: Date;
}

/**
 * Two statements in flight per node: with more, batches stay small and each
 * still pays its own commit; with fewer, a lone create could wait behind a batch.
 */
const MAX_IN_FLIGHT = 2;
/** Bounds a statement's parameter arrays (and the wait of the last order in it). */
const MAX_BATCH = 200;

/** The batch's statement failed and was rolled back (a refused value, a deadlock): each order is tried alone. */
const rolledBack = (err: unknown) => failureKind(err) === "processing" || /^40/.test(sqlState(err) ?? "");

/** Prepared once per connection: their plans are most of PostgreSQL's own work per create. */
const CREATE_ORDER: PreparedStatement = { name: "orders-create", text: CREATE_ORDER_SQL };
const CREATE_ORDERS: PreparedStatement = { name: "orders-create-batch", text: CREATE_ORDERS_SQL };

const writers = new WeakMap<Sequelize, Map<string | null, GroupCommit<OrderToCreate, CreatedOrderRow | undefined>>>();

/** The writer of `db`'s node for orders announced on `orderTopic` (null: no event). */
export function orderWriter(db: Sequelize, orderTopic: string | null): GroupCommit<OrderToCreate, CreatedOrderRow | undefined> {
	let byTopic = writers.get(db);
	if (!byTopic) writers.set(db, (byTopic = new Map()));
	let writer = byTopic.get(orderTopic);
	if (!writer) {
		const pool = rawPgPool(db);
		writer = groupCommit<OrderToCreate, CreatedOrderRow | undefined>({
			async one({ input, claim }) {
				const { rows } = await pool.execute<CreatedOrderRow>(CREATE_ORDER, createOrderParams(input, orderTopic, claim));
				return rows[0];
			},
			async many(orders) {
				const { rows } = await pool.execute<CreatedOrderRow & { i: string }>(CREATE_ORDERS, createOrdersParams(orders, orderTopic));
				const byNumber = new Map(rows.map(({ i, ...row }) => [Number(i), row]));
				return orders.map((_, index) => byNumber.get(index + 1));
			},
			retryAlone: rolledBack,
			maxInFlight: MAX_IN_FLIGHT,
			maxBatch: MAX_BATCH,
		});
		byTopic.set(orderTopic, writer);
	}
	return writer;
}
