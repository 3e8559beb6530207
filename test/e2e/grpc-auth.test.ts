/**
 * Authentication on (AUTH_JWT_SECRET) over gRPC: the `authorization` metadata
 * carries the token as REST's Authorization header does, and the same rules
 * hold (a user creates, reads and lists only their own orders, an
 * `orders:operator` token reads everybody's). A client built from
 * proto/orders.proto alone against grpc-gateway + orders on one node, over the
 * real PostgreSQL, Redis and Kafka.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { ServiceBroker } from "moleculer";
import type { Client } from "pg";
import { freePort } from "../../dev/cluster/ports";
import { startNode } from "../support/cluster";
import { grpcFailure, ordersApiClient, type OrdersApiClient } from "../support/orders-grpc-client";
import { AUTH_SECRET, OPERATOR, bearer, token } from "../support/tokens";
import { randomUserId, rowsOf, sql, useOwnOrderTopic } from "./rest-support";

const order = (userId: number) => ({ user_id: userId, description: "Hello world", order_products: [{ product_id: 3, count: 1 }] });

let node: ServiceBroker;
let client: OrdersApiClient;
let address: string;
let topic: string;
let db: Client;
const alice = randomUserId();
const bob = randomUserId();
let aliceOrderId: string;

const as = async (sub: number | string | undefined, claims = {}) => ({ metadata: bearer(await token(sub, { claims })) });

beforeAll(async () => {
	topic = await useOwnOrderTopic();
	const grpcPort = await freePort();
	node = await startNode(["grpc-gateway", "orders"], { GRPC_PORT: String(grpcPort), AUTH_JWT_SECRET: AUTH_SECRET });
	address = `127.0.0.1:${grpcPort}`;
	client = ordersApiClient(address);
	db = await sql();
	aliceOrderId = String((await client.CreateOrder(order(alice), await as(alice))).order_id);
});

afterAll(async () => {
	client?.close();
	await db?.end();
	await node?.stop();
});

describe("a call without a valid token", () => {
	const cases: [string, () => Promise<Record<string, string>>][] = [
		["no authorization metadata", async () => ({})],
		["not a bearer scheme", async () => ({ authorization: "Basic dXNlcjpwYXNz" })],
		["a token that is not a JWT", async () => bearer("not.a.jwt")],
		["an expired token", async () => bearer(await token(alice, { expiresIn: -60 }))],
		["a token signed with another secret", async () => bearer(await token(alice, { key: new TextEncoder().encode("x".repeat(40)) }))],
		["a subject that is not a user id", async () => bearer(await token("alice"))],
	];

	it.each(cases)("%s: CreateOrder is UNAUTHENTICATED, nothing created", async (_name, metadata) => {
		const user = randomUserId();
		const failure = await grpcFailure(client.CreateOrder(order(user), { metadata: await metadata() }));
		expect(failure.code).toBe("UNAUTHENTICATED");
		expect((await rowsOf(db, user, topic)).orders).toBe(0);
	});

	it("GetOrder, GetOrderStates and GetOrders without a token are UNAUTHENTICATED, not answered", async () => {
		for (const call of [client.GetOrder({ order_id: aliceOrderId }), client.GetOrderStates({ order_id: aliceOrderId }), client.GetOrders({ user_id: alice })]) {
			expect(await grpcFailure(call)).toEqual({ code: "UNAUTHENTICATED", details: "A bearer token is required (Authorization: Bearer <token>)" });
		}
	});

	it("GetPing and the health service need no token (orchestrators' checks)", async () => {
		expect(await client.GetPing({})).toEqual({ pong: true });
		const healthProto = require.resolve("grpc-health-check/proto/health/v1/health.proto");
		const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(healthProto, { keepCase: true, enums: String })) as unknown as {
			grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
		};
		const health = new loaded.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
		const reply = await new Promise<unknown>((done, fail) =>
			(health.Check as (...a: unknown[]) => void)({ service: "ordersapi.OrdersApi" }, (err: Error | null, r: unknown) => (err ? fail(err) : done(r))),
		);
		health.close();
		expect(reply).toEqual({ status: "SERVING" });
	});
});

describe("a user's token", () => {
	it("creates an order for its user, with user_id or without (proto3's 0)", async () => {
		const before = (await rowsOf(db, alice, topic)).orders;
		await client.CreateOrder(order(alice), await as(alice));
		await client.CreateOrder(order(0), await as(alice));
		expect((await rowsOf(db, alice, topic)).orders).toBe(before + 2);
	});

	it("CreateOrder for another user is PERMISSION_DENIED, nothing created", async () => {
		const failure = await grpcFailure(client.CreateOrder(order(bob), await as(alice)));
		expect(failure.code).toBe("PERMISSION_DENIED");
		expect((await rowsOf(db, bob, topic)).orders).toBe(0);
	});

	it("reads its own order and its states", async () => {
		expect(await client.GetOrder({ order_id: aliceOrderId }, await as(alice))).toMatchObject({ order_id: aliceOrderId });
		expect((await client.GetOrderStates({ order_id: aliceOrderId }, await as(alice))).order_states).not.toEqual([]);
	});

	it("GetOrder of another user's order is NOT_FOUND, as an order that does not exist; its states are empty", async () => {
		expect(await grpcFailure(client.GetOrder({ order_id: aliceOrderId }, await as(bob)))).toEqual({ code: "NOT_FOUND", details: `Order ${aliceOrderId} not found` });
		expect(await client.GetOrderStates({ order_id: aliceOrderId }, await as(bob))).toEqual({ order_states: [] });
	});

	it("GetOrders lists its own orders; another user's are PERMISSION_DENIED (REST's 403)", async () => {
		const own = (await client.GetOrders({ user_id: alice }, await as(alice))).orders as Array<{ order_id: string }>;
		expect(own.map((o) => o.order_id)).toContain(aliceOrderId);
		expect((await grpcFailure(client.GetOrders({ user_id: alice }, await as(bob)))).code).toBe("PERMISSION_DENIED");
	});
});

describe("an operator's token (scope orders:operator)", () => {
	it("reads and lists another user's orders, with or without a user subject", async () => {
		for (const extras of [await as(undefined, OPERATOR), await as(bob, OPERATOR)]) {
			expect(await client.GetOrder({ order_id: aliceOrderId }, extras)).toMatchObject({ order_id: aliceOrderId });
			const listed = (await client.GetOrders({ user_id: alice }, extras)).orders as Array<{ order_id: string }>;
			expect(listed.map((o) => o.order_id)).toContain(aliceOrderId);
		}
	});
});
