/**
 * Only the contract's routes are reachable over HTTP: internal actions (state
 * changes, outbox work, $node.*, the gateway's own) answer 404 whatever the
 * spelling, and no error shows a stack, SQL or an action name. Health answers.
 */
import type { ServiceBroker } from "moleculer";
import { http, startRestNode, type RestNode } from "./rest-support";

let node: RestNode;
let reached = 0;

beforeAll(async () => {
	node = await startRestNode();
	// Stand-ins for internal services on the same node: if the gateway let any
	// of them through, `reached` would count it. `state.apply` is public like the
	// real one; `probe.published` is even published, but has no route.
	const broker: ServiceBroker = node.broker;
	const hit = () => ++reached;
	broker.createService({ name: "state", actions: { apply: { visibility: "public", handler: hit } } });
	broker.createService({ name: "outbox-relay", actions: { flush: { visibility: "public", handler: hit } } });
	broker.createService({ name: "probe", actions: { published: { visibility: "published", handler: hit } } });
	await broker.waitForServices(["state", "outbox-relay", "probe"]);
});

afterAll(() => node?.stop());

const INTERNAL_PATHS = [
	"/api/state/apply",
	"/api/state.apply",
	"/api/outbox-relay/flush",
	"/api/probe/published",
	"/api/probe.published",
	"/api/$node/list",
	"/api/~node/list",
	"/api/~node/services",
	"/api/~node/actions",
	"/api/$node/health",
	"/api/orders.create",
	"/api/api-gateway/ping",
	"/api/api-gateway/health",
	"/api/api-gateway/rest",
	"/api/api-gateway/listAliases",
	"/api/api-gateway.listAliases",
	"/api/",
	"/api",
	"/",
	"/orders",
	"/state/apply",
];

describe.each(["GET", "POST", "PUT", "DELETE"])("%s", (method) => {
	it.each(INTERNAL_PATHS)(`${method} %s -> 404 without reaching anything`, async (path) => {
		const res = await http(`http://127.0.0.1:${new URL(node.base).port}${path}`, { method, json: method === "GET" ? undefined : { order_id: 1 } });
		expect(res.status).toBe(404);
		expect(res.body).toEqual({ name: "NotFoundError", message: "Not found", code: 404, type: "NOT_FOUND", data: null });
	});
});

// GET /api/orders/<word> is the route of one order: the word is refused as an order id.
it.each(["create", "get", "list", "states", "stuckSummary"])("GET /api/orders/%s -> 422 on order_id, no action of that name", async (word) => {
	const res = await http<{ data: { field: string }[] }>(`${node.base}/orders/${word}`);
	expect(res.status).toBe(422);
	expect(res.body.data.map((e) => e.field)).toEqual(["order_id"]);
});

it.each(["create", "get", "list"])("POST /api/orders/%s -> 404", async (word) => {
	const res = await http(`${node.base}/orders/${word}`, { method: "POST", json: { user_id: 1, order_products: [{ product_id: 1, count: 1 }] } });
	expect(res.status).toBe(404);
});

it("no internal action was reached, though each answers a broker call", async () => {
	expect(reached).toBe(0);
	await node.broker.call("state.apply");
	expect(reached).toBe(1);
	expect(await node.broker.call("$node.list")).toEqual(expect.any(Array));
});

it.each([
	["PUT", "/api/orders"],
	["DELETE", "/api/orders/1"],
	["PATCH", "/api/orders/1"],
	["POST", "/api/orders/1/states"],
	["GET", "/api/orders/1/products"],
])("%s %s (no such route) -> 404", async (method, path) => {
	const res = await http(`http://127.0.0.1:${new URL(node.base).port}${path}`, { method });
	expect(res.status).toBe(404);
});

it("GET /api/ping -> pong", async () => {
	expect(await http(`${node.base}/ping`)).toMatchObject({ status: 200, body: { pong: true } });
});

it("GET /api/health -> 200 while PostgreSQL, Redis and Kafka answer", async () => {
	const res = await http(`${node.base}/health`);
	expect(res.status).toBe(200);
	expect(res.body).toEqual({ status: "ok", postgresql: "up", redis: "up", kafka: "up", checked_at: expect.any(String) });
});
