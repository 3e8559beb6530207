/**
 * The Go service's gRPC API (ordersapi.OrdersApi) from the outside: a client
 * built from proto/orders.proto alone against grpc-gateway + orders on one node,
 * over the real PostgreSQL (through a proxy the test can cut or stall), Redis
 * and Kafka. Each behaviour a Go client relies on, the errors, the idempotency
 * key, deadlines, health, reflection and the per-method metrics.
 */
import { resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { Context, ServiceBroker } from "moleculer";
import type { Client } from "pg";
import { freePort } from "../../dev/cluster/ports";
import { startNode } from "../support/cluster";
import { grpcFailure, ordersApiClient, type OrdersApiClient, type Reply } from "../support/orders-grpc-client";
import { startTcpProxy, type TcpProxy } from "../../dev/cluster/tcp-proxy";
import { TEST_DATABASE_URL } from "../support/test-env";
import { waitFor } from "../support/wait";
import { randomUserId, sql, useOwnOrderTopic } from "./rest-support";

const MAX_ORDERS = 3;
/** The span fields this test reads (Moleculer's Span, as the Event exporter sends it). */
interface SpanRecord {
	id: string;
	traceID: string;
	parentID: string | null;
	tags: { action?: { name: string } };
}
const order = (userId: number, products: Array<[number, number]> = [[3, 1], [4, 2]], description = "Hello world") => ({
	user_id: userId,
	description,
	order_products: products.map(([product_id, count]) => ({ product_id, count })),
});

describe("gRPC OrdersApi", () => {
	let node: ServiceBroker;
	let proxy: TcpProxy;
	let client: OrdersApiClient;
	let address: string;
	let metricsPort: number;
	let db: Client;
	const spans: SpanRecord[] = [];

	beforeAll(async () => {
		await useOwnOrderTopic();
		const target = new URL(TEST_DATABASE_URL);
		proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
		const viaProxy = new URL(TEST_DATABASE_URL);
		viaProxy.hostname = "127.0.0.1";
		viaProxy.port = String(proxy.port);
		const grpcPort = await freePort();
		metricsPort = await freePort();
		node = await startNode(["grpc-gateway", "orders"], {
			DATABASE_URL: viaProxy.toString(),
			GRPC_PORT: String(grpcPort),
			GRPC_MAX_ORDERS: String(MAX_ORDERS),
			METRICS: "on",
			METRICS_PORT: String(metricsPort),
			TRACING: "event",
		});
		node.createService({
			name: "span-collector",
			events: {
				"$tracing.spans"(ctx: Context<SpanRecord[]>) {
					spans.push(...ctx.params);
				},
			},
		});
		await node.waitForServices(["span-collector"]);
		address = `127.0.0.1:${grpcPort}`;
		client = ordersApiClient(address);
		db = await sql();
	});

	afterAll(async () => {
		client?.close();
		await db?.end();
		await node?.stop();
		await proxy?.close();
	});

	const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
	/** orders_grpc_requests_total of one method and status code on /metrics. */
	const callsCounted = async (method: string, code: string): Promise<number> => {
		const line = (await metrics()).split("\n").find((l) => l.startsWith("orders_grpc_requests_total{") && l.includes(`method="${method}"`) && l.includes(`code="${code}"`));
		return Number(line?.split(" ").at(-1) ?? 0);
	};

	const ordersOf = async (userId: number): Promise<number> =>
		(await db.query<{ n: number }>("SELECT count(*)::int AS n FROM orders WHERE user_id = $1", [userId])).rows[0].n;

	it("creates an order and answers only its id; GetOrder shows it as the Go service did", async () => {
		const userId = randomUserId();
		const created = await client.CreateOrder(order(userId), { metadata: { sender: "telegram-bot", when: new Date().toISOString() } });
		expect(Object.keys(created)).toEqual(["order_id"]);
		const got = await client.GetOrder({ order_id: created.order_id });
		expect(got).toEqual({
			order_id: created.order_id,
			order_products: [
				{ product_id: "3", count: "1" },
				{ product_id: "4", count: "2" },
			],
			description: "Hello world",
			state: "ORDER_CREATED",
		});
	});

	it("GetOrder of an unknown id is NOT_FOUND, also for 0", async () => {
		expect(await grpcFailure(client.GetOrder({ order_id: "9007199254740000" }))).toMatchObject({ code: "NOT_FOUND" });
		expect(await grpcFailure(client.GetOrder({ order_id: 0 }))).toMatchObject({ code: "NOT_FOUND" });
	});

	it("GetOrderStates gives the history with Timestamps, and an empty list for an unknown id", async () => {
		const { order_id } = await client.CreateOrder(order(randomUserId()));
		const { order_states } = (await client.GetOrderStates({ order_id })) as { order_states: Array<{ state: string; time: { seconds: string; nanos: number } }> };
		expect(order_states).toHaveLength(1);
		expect(order_states[0].state).toBe("ORDER_CREATED");
		expect(Number(order_states[0].time.seconds)).toBeGreaterThan(0);
		expect(await client.GetOrderStates({ order_id: "9007199254740000" })).toEqual({ order_states: [] });
	});

	it("GetOrders gives every order of the user oldest first, as the Go service did; user 0 has none", async () => {
		const userId = randomUserId();
		const ids: string[] = [];
		for (let i = 0; i < MAX_ORDERS; i++) ids.push((await client.CreateOrder(order(userId, [[i + 1, 1]], `order ${i}`))).order_id as string);
		const { orders } = (await client.GetOrders({ user_id: userId })) as { orders: Reply[] };
		expect(orders).toEqual(ids.map((id, i) => ({ order_id: id, description: `order ${i}`, state: "ORDER_CREATED" })));
		expect(await client.GetOrders({ user_id: 0 })).toEqual({ orders: [] });
	});

	it("a negative user id (a Telegram group chat's) creates and lists orders", async () => {
		const userId = -randomUserId();
		const ids: string[] = [];
		for (let i = 0; i < 2; i++) ids.push((await client.CreateOrder(order(userId, [[i + 1, 1]], `group ${i}`))).order_id as string);
		const { orders } = (await client.GetOrders({ user_id: String(userId) })) as { orders: Reply[] };
		expect(orders.map((o) => o.order_id)).toEqual(ids);
		expect((await db.query<{ user_id: string }>("SELECT user_id::text FROM orders WHERE order_id = $1", [ids[0]])).rows[0].user_id).toBe(String(userId));
	});

	it("GetOrders past GRPC_MAX_ORDERS is RESOURCE_EXHAUSTED, pointing at REST paging", async () => {
		const userId = randomUserId();
		for (let i = 0; i <= MAX_ORDERS; i++) await client.CreateOrder(order(userId));
		const failure = await grpcFailure(client.GetOrders({ user_id: userId }));
		expect(failure.code).toBe("RESOURCE_EXHAUSTED");
		expect(failure.details).toContain(`/api/orders?user_id=${userId}`);
	});

	it.each([
		["user_id", "numberNotEqual", { ...order(1), user_id: 0 }],
		["user_id", "numberMin", { ...order(1), user_id: "-9223372036854775808" }],
		["order_products", "array", { ...order(1), order_products: [] }],
		["order_products[0].count", "number", order(1, [[3, 0]])],
		["order_products", "productUnique", order(1, [[3, 1], [3, 2]])],
		["user_id", "numberMax", { ...order(1), user_id: "9223372036854775807" }],
		["description", "stringMax", order(1, [[3, 1]], "x".repeat(1001))],
	])("a broken rule is INVALID_ARGUMENT naming the field %s and its rule (%s)", async (field, rule, request) => {
		const failure = await grpcFailure(client.CreateOrder(request));
		expect(failure.code).toBe("INVALID_ARGUMENT");
		expect(failure.details).toContain(`${field} (${rule}`);
		expect(failure.details).not.toMatch(/orders\.create|node|stack/i);
	});

	it("an idempotency-key gives a retry the same order, refuses it for another request, and must be well formed", async () => {
		const userId = randomUserId();
		const key = { metadata: { "idempotency-key": `grpc-${userId}` } };
		const first = await client.CreateOrder(order(userId), key);
		const again = await client.CreateOrder(order(userId), key);
		expect(again.order_id).toBe(first.order_id);
		expect(await ordersOf(userId)).toBe(1);
		const conflict = await grpcFailure(client.CreateOrder(order(userId, [[9, 9]]), key));
		expect(conflict).toEqual({ code: "ALREADY_EXISTS", details: expect.stringContaining("idempotency-key") });
		const badKey = await grpcFailure(client.CreateOrder(order(userId), { metadata: { "idempotency-key": "has space" } }));
		expect(badKey).toEqual({ code: "INVALID_ARGUMENT", details: expect.stringContaining("idempotency-key") });
		expect(await ordersOf(userId)).toBe(1);
	});

	it("GetPing is pong while PostgreSQL answers and UNAVAILABLE while it is cut", async () => {
		expect(await client.GetPing({})).toEqual({ pong: true });
		proxy.cut();
		try {
			expect(await grpcFailure(client.GetPing({}))).toMatchObject({ code: "UNAVAILABLE" });
			expect(await grpcFailure(client.CreateOrder(order(randomUserId())))).toMatchObject({ code: "UNAVAILABLE" });
		} finally {
			proxy.restore();
		}
		expect(await client.GetPing({})).toEqual({ pong: true });
	});

	it("honours a deadline: a create stuck on a hanging database ends DEADLINE_EXCEEDED, and its retry creates one order", async () => {
		const userId = randomUserId();
		const key = { metadata: { "idempotency-key": `deadline-${userId}` } };
		proxy.stall();
		try {
			expect(await grpcFailure(client.CreateOrder(order(userId), { ...key, deadlineMs: 1_500 }))).toMatchObject({ code: "DEADLINE_EXCEEDED" });
			// The server gave up too (its broker call timed out at the deadline), not only the client.
			await waitFor(async () => ((await callsCounted("CreateOrder", "DEADLINE_EXCEEDED")) > 0 ? true : undefined), "the server's DEADLINE_EXCEEDED");
		} finally {
			proxy.restore();
		}
		const created = await client.CreateOrder(order(userId), key);
		expect(await client.GetOrder({ order_id: created.order_id })).toMatchObject({ state: "ORDER_CREATED" });
		expect(await ordersOf(userId)).toBe(1);
	});

	it("reaches nothing but the five OrdersApi methods: anything else is UNIMPLEMENTED", async () => {
		const call = (path: string) =>
			new Promise<grpc.status>((done) =>
				client.raw.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (err) => done(err ? err.code : grpc.status.OK)),
			);
		for (const path of ["/ordersapi.OrdersApi/DeleteOrder", "/state/apply", "/outbox-relay.backlog", "/grpc-gateway.GetPing", "/$node.services"]) {
			expect(grpc.status[await call(path)]).toBe("UNIMPLEMENTED");
		}
	});

	it("answers the standard health check and lists its services by reflection", async () => {
		const healthProto = require.resolve("grpc-health-check/proto/health/v1/health.proto");
		const reflectionProto = resolve(require.resolve("@grpc/reflection"), "..", "..", "proto", "grpc", "reflection", "v1", "reflection.proto");
		const loaded = grpc.loadPackageDefinition(protoLoader.loadSync([healthProto, reflectionProto], { keepCase: true, enums: String })) as unknown as {
			grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } }; reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
		};
		const health = new loaded.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
		const check = (service: string) =>
			new Promise<unknown>((done, fail) => (health.Check as (...a: unknown[]) => void)({ service }, (err: Error | null, reply: unknown) => (err ? fail(err) : done(reply))));
		expect(await check("")).toEqual({ status: "SERVING" });
		expect(await check("ordersapi.OrdersApi")).toEqual({ status: "SERVING" });
		health.close();

		const reflection = new loaded.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
		type ListReply = { list_services_response?: { service: Array<{ name: string }> } };
		const stream = (reflection.ServerReflectionInfo as () => grpc.ClientDuplexStream<object, ListReply>)();
		const reply = new Promise<string[]>((done, fail) => {
			stream.once("data", (r: ListReply) => done((r.list_services_response?.service ?? []).map((s) => s.name)));
			stream.once("error", fail);
		});
		stream.write({ list_services: "" });
		const names = await reply;
		stream.end();
		reflection.close();
		expect(names).toEqual(expect.arrayContaining(["ordersapi.OrdersApi", "grpc.health.v1.Health"]));
	});

	it("traces a call: the gRPC method's span is the parent of orders.create's, in one trace", async () => {
		const { order_id } = await client.CreateOrder(order(randomUserId()));
		const create = await waitFor(() => spans.find((s) => s.tags.action?.name === "orders.create" && spans.some((p) => p.id === s.parentID)), "a linked orders.create span");
		const parent = spans.find((s) => s.id === create.parentID);
		expect(parent?.tags.action?.name).toBe("grpc-gateway.CreateOrder");
		expect(parent?.traceID).toBe(create.traceID);
		expect(parent?.parentID).toBeFalsy(); // the gRPC call starts the trace
		expect(Number(order_id)).toBeGreaterThan(0);
	});

	it("counts calls per method and status code on /metrics", async () => {
		// Counted from here: earlier tests' calls are in the counters too.
		const [notFound, created] = [await callsCounted("GetOrder", "NOT_FOUND"), await callsCounted("CreateOrder", "OK")];
		await grpcFailure(client.GetOrder({ order_id: 0 }));
		await client.CreateOrder(order(randomUserId()));
		const counted = async () => [(await callsCounted("GetOrder", "NOT_FOUND")) - notFound, (await callsCounted("CreateOrder", "OK")) - created];
		await waitFor(async () => ((await counted()).every((n) => n >= 1) ? true : undefined), "both calls counted");
		expect(await counted()).toEqual([1, 1]);
		expect(await metrics()).toMatch(/orders_grpc_request_duration_seconds_bucket\{[^}]*method="GetOrder"[^}]*code="NOT_FOUND"/);
	});
});
