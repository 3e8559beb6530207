/**
 * orders.create is one transaction: when its last write (the outbox event) is
 * refused by PostgreSQL, the order, its products and its state are gone too.
 * The failure is real: a trigger on this file's own outbox topic raises for one
 * user id, so concurrent tests of others never meet it.
 */
import { randomUUID } from "node:crypto";
import { EXAMPLE_BODY, randomUserId, rowsOf } from "../e2e/rest-support";
import { useOrdersNodeRefusingEventsOf } from "../support/outbox-refusal";

const doomedUser = randomUserId();
const node = useOrdersNodeRefusingEventsOf(doomedUser);

it("a create whose outbox write fails leaves no order, product, state or event, and says only 'Internal error'", async () => {
	const before = await rowsOf(node.db, doomedUser, node.topic);
	const key = randomUUID();
	await expect(node.broker.call("orders.create", { ...EXAMPLE_BODY, user_id: doomedUser }, { meta: { idempotency_key: key } })).rejects.toMatchObject({
		code: 500,
		message: "Internal error",
	});
	expect(await rowsOf(node.db, doomedUser, node.topic)).toEqual({ orders: 0, products: 0, states: 0, outbox: before.outbox });
	// Not even the Idempotency-Key is claimed.
	const { rows } = await node.db.query("SELECT count(*)::int AS n FROM orders WHERE idempotency_key = $1", [key]);
	expect(rows[0].n).toBe(0);
});

it("the same node then creates other users' orders whole", async () => {
	const userId = randomUserId();
	const order = await node.broker.call<{ order_id: number }, object>("orders.create", { ...EXAMPLE_BODY, user_id: userId });
	expect(await rowsOf(node.db, userId, node.topic)).toMatchObject({ orders: 1, products: 2, states: 1 });
	const { rows } = await node.db.query("SELECT payload FROM outbox WHERE topic = $1 AND message_key = $2", [node.topic, String(order.order_id)]);
	expect(rows).toEqual([{ payload: { idempotent_key: expect.any(String), order_id: order.order_id, status: "CREATED" } }]);
});
