/**
 * The Redis cache of orders.get / orders.states: a read after a committed
 * change (and its invalidation) shows the change, a read that loaded the old
 * state before the change never puts it back into the cache, and the state
 * service's ORDERS_CHANGED broadcast reaches an orders node over the transporter.
 */
import type { ServiceBroker } from "moleculer";
import type { Client } from "pg";
import { ORDERS_CHANGED } from "../../domain/orders-changed";
import { cachedOrderRead, invalidateOrders } from "../../lib/orders/order-cache";
import { EXAMPLE_BODY, randomUserId, sql, useOwnOrderTopic } from "../e2e/rest-support";
import { startNode } from "../support/cluster";
import { createNode } from "../../wiring/create-node";
import { loadConfig } from "../../lib/platform/config/config";
import { waitFor } from "../support/wait";

let broker: ServiceBroker;
let db: Client;

interface Cacher {
	prefix: string;
	client: { exists(key: string): Promise<number> };
}
const cached = (key: string): Promise<number> => {
	const cacher = broker.cacher as unknown as Cacher;
	return cacher.client.exists(cacher.prefix + key);
};

beforeAll(async () => {
	db = await sql();
	await useOwnOrderTopic();
	broker = await startNode(["orders"]);
});

afterAll(async () => {
	await broker?.stop();
	await db?.end();
});

async function newOrder(): Promise<number> {
	const order = await broker.call<{ order_id: number }, object>("orders.create", { ...EXAMPLE_BODY, user_id: randomUserId() });
	return order.order_id;
}

/** A state committed, then what an orders node does on the state service's orders.changed. */
async function recordState(orderId: number, state: string): Promise<void> {
	await db.query("BEGIN");
	await db.query("INSERT INTO order_states (order_id, state) VALUES ($1, $2)", [orderId, state]);
	await db.query("UPDATE orders SET state = $2, updated_at = now() WHERE order_id = $1", [orderId, state]);
	await db.query("COMMIT");
	await invalidateOrders(broker, [orderId]);
}

it("get and states are cached, and a change followed by invalidation is seen at once", async () => {
	const id = await newOrder();
	expect(await broker.call("orders.get", { order_id: id })).toMatchObject({ state: "ORDER_CREATED" });
	expect(await broker.call("orders.states", { order_id: String(id) })).toEqual({ order_states: [expect.objectContaining({ state: "ORDER_CREATED" })] });
	expect(await cached(`orders.get:${id}`)).toBe(1);
	expect(await cached(`orders.states:${id}`)).toBe(1);

	await recordState(id, "RESERVE_CREATED");
	expect(await cached(`orders.get:${id}`)).toBe(0);
	expect(await broker.call("orders.get", { order_id: id })).toMatchObject({ state: "RESERVE_CREATED" });
	const { order_states } = await broker.call<{ order_states: { state: string }[] }, object>("orders.states", { order_id: id });
	expect(order_states.map((s) => s.state)).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
});

it("a read that loaded the old state before a change does not cache it after the invalidation", async () => {
	const id = await newOrder();
	// The read loads ORDER_CREATED; meanwhile the change commits and invalidates.
	const stale = await cachedOrderRead(broker, "orders.get", id, async () => {
		const [order] = (await db.query("SELECT state FROM orders WHERE order_id = $1", [id])).rows;
		await recordState(id, "RESERVE_CREATED");
		return order;
	});
	expect(stale).toEqual({ state: "ORDER_CREATED" });
	expect(await cached(`orders.get:${id}`)).toBe(0);
	expect(await broker.call("orders.get", { order_id: id })).toMatchObject({ state: "RESERVE_CREATED" });
});

it("a read with no change meanwhile is cached (the check above can fail)", async () => {
	const id = await newOrder();
	await cachedOrderRead(broker, "orders.get", id, async () => ({ state: "ORDER_CREATED" }));
	expect(await cached(`orders.get:${id}`)).toBe(1);
});

it("an unknown order is not cached", async () => {
	await expect(broker.call("orders.get", { order_id: 9007199254740990 })).rejects.toMatchObject({ code: 404 });
	expect(await cached("orders.get:9007199254740990")).toBe(0);
});

it(`an ${ORDERS_CHANGED} broadcast from another node (as the state service sends it) drops the order's cached reads`, async () => {
	const id = await newOrder();
	const other = await newOrder();
	for (const orderId of [id, other]) await broker.call("orders.get", { order_id: orderId });
	const stateNode = createNode(loadConfig(), [], { nodeID: `state-${process.pid}` });
	await stateNode.start();
	try {
		await stateNode.waitForServices(["orders"]);
		await stateNode.broadcast(ORDERS_CHANGED, { ids: [id] }, { throwError: true });
		await waitFor(async () => ((await cached(`orders.get:${id}`)) === 0 ? true : undefined), "the broadcast to drop the cached read", 10_000);
		expect(await cached(`orders.get:${other}`)).toBe(1);
	} finally {
		await stateNode.stop();
	}
});
