/**
 * The error catalog across the Redis transporter: orders throws on its node, the
 * gateway's node rebuilds the catalog's class (the broker's errorRegenerator), and
 * REST answers the same status and body as with both services on one node.
 */
import { randomUUID } from "node:crypto";
import { IdempotencyKeyReusedError, OrderNotFoundError } from "../../domain/errors/catalog";
import { EXAMPLE_BODY, http, post, randomUserId, startSplitRestNodes, type SplitRestNodes } from "./rest-support";

let nodes: SplitRestNodes;

beforeAll(async () => {
	nodes = await startSplitRestNodes({ orders: { nodeID: `orders-${process.pid}` }, gateway: { nodeID: `gateway-${process.pid}` } });
});

afterAll(() => nodes?.stop());

describe("errors thrown on the orders node", () => {
	it("arrive on the gateway's node as the catalog's class, from the other node", async () => {
		expect(nodes.gateway.nodeID).not.toBe(nodes.orders.nodeID);
		const err = await nodes.gateway.call("orders.get", { order_id: 9007199254740991 }).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(OrderNotFoundError);
		expect(err).toMatchObject({ nodeID: nodes.orders.nodeID, type: "ORDER_NOT_FOUND" });
	});

	it("an unknown order -> the REST 404 of one node", async () => {
		const res = await http(`${nodes.base}/orders/9007199254740991`);
		expect(res.status).toBe(404);
		expect(res.body).toEqual({ name: "NotFoundError", message: "Order 9007199254740991 not found", code: 404, type: "ORDER_NOT_FOUND", data: { order_id: 9007199254740991 } });
	});

	it("a reused Idempotency-Key -> the REST 409 of one node", async () => {
		const userId = randomUserId();
		const key = randomUUID();
		expect((await post(nodes.base, { ...EXAMPLE_BODY, user_id: userId }, { "Idempotency-Key": key })).status).toBe(201);
		const res = await post(nodes.base, { ...EXAMPLE_BODY, user_id: userId, description: "other" }, { "Idempotency-Key": key });
		expect(res.status).toBe(409);
		expect(res.body).toMatchObject({ name: "ConflictError", code: 409, type: IdempotencyKeyReusedError.TYPE, data: { field: "Idempotency-Key" } });
	});
});
