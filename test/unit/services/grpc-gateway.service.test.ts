/**
 * The gRPC gateway on a free port, on an in-memory broker with `orders` mocked
 * as a service behind it, called by a client built from proto/ alone: what each
 * method asks of `orders`, the answers the Go service's clients expect, the
 * status codes of the orders errors, and authentication. GetPing's healthy
 * answer needs PostgreSQL (test/e2e/grpc-api.test.ts); here its database does
 * not answer.
 */
import { ServiceBroker, type ServiceSchema } from "moleculer";
import GrpcGatewayService from "../../../services/grpc-gateway.service";
import { IdempotencyKeyReusedError, OrderNotFoundError } from "../../../domain/errors/catalog";
import { freePort } from "../../../dev/cluster/ports";
import { grpcFailure, ordersApiClient, type OrdersApiClient } from "../../support/orders-grpc-client";
import { AUTH_SECRET, token } from "../../support/tokens";
import { callRecorder, startUnitBroker } from "../../support/unit-broker";

const ORDER = { order_id: 41, user_id: 7, description: "two books", state: "ORDER_CREATED", created_at: "2026-12-04T16:00:00.000Z", order_products: [{ product_id: 1, count: 2 }] };
const summary = (order_id: number) => ({ order_id, user_id: 7, description: `order ${order_id}`, state: "ORDER_CREATED", created_at: "2026-12-04T16:00:00.000Z" });

const { calls, record } = callRecorder();

const OrdersMock = {
	name: "orders",
	actions: {
		create: record("orders.create", (p) => (p.description === "reused" ? Promise.reject(new IdempotencyKeyReusedError("reused")) : ORDER)),
		get: record("orders.get", (p) => (p.order_id === 404 ? Promise.reject(OrderNotFoundError.of(404)) : ORDER)),
		states: record("orders.states", (p) =>
			p.order_id === 404 ? Promise.reject(OrderNotFoundError.of(404)) : { order_states: [{ state: "ORDER_CREATED", time: "2026-12-04T16:00:01.250Z" }] },
		),
		// User 7 has orders 1 to 3, listed newest first two at a time, as REST pages them.
		list: record("orders.list", (p) => {
			const before = p.cursor === undefined ? 4 : Number(p.cursor);
			const ids = [3, 2, 1].filter((id) => id < before).slice(0, Math.min(2, Number(p.limit)));
			return { orders: ids.map(summary), next_cursor: ids.length > 0 && ids.at(-1)! > 1 ? String(ids.at(-1)) : null };
		}),
	},
};

interface GrpcNode {
	broker: ServiceBroker;
	client: OrdersApiClient;
}

async function startGrpcNode(auth: { secret: string; userClaim: string } | null, maxOrders = 10): Promise<GrpcNode> {
	const port = await freePort();
	const settings = { ...GrpcGatewayService.settings, host: "127.0.0.1", port, maxOrders, databaseUrl: "postgres://nobody@127.0.0.1:1/none", auth };
	const broker = await startUnitBroker([{ ...GrpcGatewayService, settings }, OrdersMock]);
	return { broker, client: ordersApiClient(`127.0.0.1:${port}`) };
}

it("refuses to be created with a setting that breaks its rule", () => {
	const settings = { ...GrpcGatewayService.settings, host: "127.0.0.1", port: 70_000, maxOrders: 10, databaseUrl: "postgres://nobody@127.0.0.1:1/none", auth: { secret: "s" } };
	expect(() => new ServiceBroker({ logger: false }).createService({ ...GrpcGatewayService, settings } as ServiceSchema)).toThrow(
		/^service grpc-gateway: settings\.port .*65535; settings\.auth\.userClaim is required$/,
	);
});

describe("with authentication off", () => {
	let node: GrpcNode;
	beforeAll(async () => {
		node = await startGrpcNode(null);
	});
	afterAll(async () => {
		node.client.close();
		await node.broker.stop();
	});
	beforeEach(() => {
		calls.length = 0;
	});

	it("CreateOrder creates with the idempotency-key metadata and answers the order id", async () => {
		const request = { user_id: "7", description: "two books", order_products: [{ product_id: "1", count: "2" }] };
		await expect(node.client.CreateOrder(request, { metadata: { "idempotency-key": "key-1" } })).resolves.toEqual({ order_id: "41" });
		expect(calls).toEqual([
			{ action: "orders.create", params: { user_id: 7, description: "two books", order_products: [{ product_id: 1, count: 2 }] }, meta: expect.objectContaining({ idempotency_key: "key-1" }) },
		]);
		expect(calls[0].meta.idempotency_key_generated).toBeUndefined();
	});

	it("CreateOrder without a key gives the create one of the gateway's own", async () => {
		await node.client.CreateOrder({ user_id: "7", description: "x", order_products: [] });
		expect(calls[0].meta.idempotency_key).toMatch(/^gateway:[0-9a-f-]{36}$/);
		expect(calls[0].meta.idempotency_key_generated).toBe(true);
	});

	it("CreateOrder answers a reused key as ALREADY_EXISTS naming the metadata", async () => {
		await expect(grpcFailure(node.client.CreateOrder({ user_id: "7", description: "reused", order_products: [] }))).resolves.toEqual({
			code: "ALREADY_EXISTS",
			details: "The 'idempotency-key' metadata was already used with a different request",
		});
	});

	it("GetOrder answers the order, NOT_FOUND for an unknown one and for id 0 (without asking orders)", async () => {
		await expect(node.client.GetOrder({ order_id: "41" })).resolves.toMatchObject({ order_id: "41", description: "two books", state: "ORDER_CREATED" });
		await expect(grpcFailure(node.client.GetOrder({ order_id: "404" }))).resolves.toMatchObject({ code: "NOT_FOUND" });
		calls.length = 0;
		await expect(grpcFailure(node.client.GetOrder({ order_id: "0" }))).resolves.toMatchObject({ code: "NOT_FOUND" });
		expect(calls).toEqual([]);
	});

	it("GetOrderStates answers protobuf timestamps, and an empty list for an unknown order", async () => {
		await expect(node.client.GetOrderStates({ order_id: "41" })).resolves.toEqual({ order_states: [{ state: "ORDER_CREATED", time: { seconds: "1796400001", nanos: 250_000_000 } }] });
		await expect(node.client.GetOrderStates({ order_id: "404" })).resolves.toEqual({ order_states: [] });
	});

	it("GetOrders reads every page and answers the user's orders oldest first", async () => {
		const reply = await node.client.GetOrders({ user_id: "7" });
		expect((reply.orders as { order_id: string }[]).map((o) => o.order_id)).toEqual(["1", "2", "3"]);
		expect(calls.map((c) => c.params)).toEqual([
			{ user_id: 7, limit: 11 },
			{ user_id: 7, limit: 9, cursor: "2" },
		]);
	});

	it("GetPing answers UNAVAILABLE when its database does not answer", async () => {
		await expect(grpcFailure(node.client.GetPing({}))).resolves.toEqual({ code: "UNAVAILABLE", details: "The database is unavailable, try again later" });
	});
});

describe("GetOrders past GRPC_MAX_ORDERS", () => {
	it("refuses with RESOURCE_EXHAUSTED rather than cut the list", async () => {
		const node = await startGrpcNode(null, 2);
		try {
			await expect(grpcFailure(node.client.GetOrders({ user_id: "7" }))).resolves.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
		} finally {
			node.client.close();
			await node.broker.stop();
		}
	});
});

describe("with authentication on", () => {
	let node: GrpcNode;
	beforeAll(async () => {
		node = await startGrpcNode({ secret: AUTH_SECRET, userClaim: "sub" });
	});
	afterAll(async () => {
		node.client.close();
		await node.broker.stop();
	});
	beforeEach(() => {
		calls.length = 0;
	});

	it("refuses a call without a token as UNAUTHENTICATED, before orders", async () => {
		await expect(grpcFailure(node.client.GetOrder({ order_id: "41" }))).resolves.toMatchObject({ code: "UNAUTHENTICATED" });
		expect(calls).toEqual([]);
	});

	it("passes the token's caller on, and an unset user_id is the token's user", async () => {
		const metadata = { authorization: `Bearer ${await token(7)}` };
		await node.client.CreateOrder({ description: "mine", order_products: [] }, { metadata });
		expect(calls[0]).toMatchObject({ params: { user_id: 7 }, meta: { user: { userId: 7, operator: false } } });
	});

	it("leaves GetPing open", async () => {
		await expect(grpcFailure(node.client.GetPing({}))).resolves.toMatchObject({ code: "UNAVAILABLE" });
	});
});
