/**
 * grpc-gateway alone on its nodes (as SERVICES=grpc-gateway runs it): two
 * gateway nodes and an orders node of one cluster, calls crossing the Redis
 * transporter. With no orders node a call is UNAVAILABLE (retry later), never INTERNAL.
 */
import type { ServiceBroker } from "moleculer";
import { createNode } from "../../wiring/create-node";
import { loadConfig } from "../../lib/platform/config/config";
import { freePort } from "../../dev/cluster/ports";
import { grpcFailure, ordersApiClient, type OrdersApiClient } from "../support/orders-grpc-client";
import { randomUserId, useOwnOrderTopic } from "./rest-support";

describe("grpc-gateway on nodes of its own", () => {
	const gateways: Array<{ broker: ServiceBroker; client: OrdersApiClient }> = [];
	let orders: ServiceBroker | undefined;

	/** A node running only grpc-gateway (SERVICES=grpc-gateway), on a port of its own. */
	async function startGateway(): Promise<OrdersApiClient> {
		const port = await freePort();
		const broker = createNode(loadConfig({ ...process.env, GRPC_PORT: String(port) }), ["grpc-gateway"], { nodeID: `grpc-gateway-${gateways.length + 1}-${process.pid}` });
		await broker.start();
		const client = ordersApiClient(`127.0.0.1:${port}`);
		gateways.push({ broker, client });
		return client;
	}

	beforeAll(() => useOwnOrderTopic());

	afterAll(async () => {
		for (const { client, broker } of gateways) {
			client.close();
			await broker.stop();
		}
		await orders?.stop();
	});

	it("answers UNAVAILABLE while no orders node runs, then serves from two gateway nodes once one does", async () => {
		const first = await startGateway();
		expect(await grpcFailure(first.GetOrder({ order_id: 1 }))).toMatchObject({ code: "UNAVAILABLE" });

		orders = createNode(loadConfig(), ["orders"], { nodeID: `orders-${process.pid}` });
		await orders.start();
		const second = await startGateway();
		for (const { broker } of gateways) await broker.waitForServices(["orders"]);

		const userId = randomUserId();
		const created = await first.CreateOrder({ user_id: userId, order_products: [{ product_id: 5, count: 1 }] });
		expect(await second.GetOrder({ order_id: created.order_id })).toMatchObject({ order_id: created.order_id, state: "ORDER_CREATED" });
		expect(await second.GetOrders({ user_id: userId })).toEqual({ orders: [{ order_id: created.order_id, description: "", state: "ORDER_CREATED" }] });
		// orders' errors cross the transporter as the catalog's classes: the gateway maps them, not INTERNAL.
		expect(await grpcFailure(second.GetOrder({ order_id: "9007199254740991" }))).toMatchObject({ code: "NOT_FOUND" });
		await expect(second.GetOrderStates({ order_id: "9007199254740991" })).resolves.toEqual({ order_states: [] });

		// The gateway's database URL (for GetPing) holds credentials: the other nodes never see it.
		const seen = orders.registry.getServiceList({ onlyLocal: false }).filter((s) => s.name === "grpc-gateway");
		// Both gateways, each checked below: one seen would leave the other's settings unchecked.
		expect(seen.map((s) => s.nodeID).sort()).toEqual(gateways.map(({ broker }) => broker.nodeID).sort());
		for (const service of seen) expect(service.settings).not.toHaveProperty("databaseUrl");
	});
});
