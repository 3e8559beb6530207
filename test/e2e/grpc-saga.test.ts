/**
 * The chain as the real peers run it: the Telegram bot's way in (CreateOrder
 * over gRPC), the products service's way (on each order event GetOrder over
 * gRPC, then an answer on the `inventory` topic, RESERVE_TOPIC), payments
 * simulated as usual, to terminal states seen through GetOrderStates. Every
 * service runs on one node over the real parts. The topic is `inventory-<run>`:
 * the broker is shared, and a fixed `inventory` topic would carry other runs' answers.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import { ALL_SERVICES, kafkaBrokers, loadConfig } from "../../lib/platform/config/config";
import { contractTopics, createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { startSimulator, type Simulator } from "../../dev/saga-simulator";
import { productsOverGrpc, type ProductsOverGrpc } from "../../dev/products-over-grpc";
import { freePort } from "../../dev/cluster/ports";
import { startNode } from "../support/cluster";
import { ordersApiClient, type OrdersApiClient } from "../support/orders-grpc-client";
import { randomUserId } from "./rest-support";
import { waitFor } from "../support/wait";

const run = randomUUID().slice(0, 8);
const env = { ORDER_TOPIC: `gs-${run}-order`, RESERVE_TOPIC: `inventory-${run}`, PAYMENT_TOPIC: `gs-${run}-payment` };
const OUT_OF_STOCK = 13;
const TERMINAL = new Set(["RESERVE_FAILED", "PAYMENT_FAILED", "PAYMENT_COMPLETED"]);

describe("the saga with the products service's gRPC round trip and the inventory topic", () => {
	let node: ServiceBroker;
	let client: OrdersApiClient;
	let products: ProductsOverGrpc;
	let simulator: Simulator;

	beforeAll(async () => {
		const grpcPort = await freePort();
		const cfg = loadConfig({ ...process.env, ...env });
		const kafka = createKafka(kafkaBrokers(cfg), `grpc-saga-${run}`);
		await ensureTopics(kafka, contractTopics(cfg), 3);
		node = await startNode([...ALL_SERVICES], { ...env, PORT: String(await freePort()), GRPC_PORT: String(grpcPort) });
		client = ordersApiClient(`127.0.0.1:${grpcPort}`);
		products = productsOverGrpc(`127.0.0.1:${grpcPort}`, new Set([OUT_OF_STOCK]));
		simulator = await startSimulator({
			kafka,
			topics: { order: env.ORDER_TOPIC, reserve: env.RESERVE_TOPIC, payment: env.PAYMENT_TOPIC },
			groupId: `grpc-saga-${run}`,
			fromBeginning: true,
			reserve: products.decide,
			paymentRejectRate: 0,
			paymentFailRate: 0,
		});
	});

	afterAll(async () => {
		await simulator?.stop();
		products?.close();
		client?.close();
		await node?.stop();
	});

	const history = async (orderId: unknown): Promise<string[]> =>
		((await client.GetOrderStates({ order_id: orderId })) as { order_states: Array<{ state: string }> }).order_states.map((s) => s.state);

	const terminal = (orderId: unknown) =>
		waitFor(async () => {
			const states = await history(orderId);
			return TERMINAL.has(states.at(-1) ?? "") ? states : undefined;
		}, `order ${String(orderId)} reaching a terminal state`);

	it("reserves what GetOrder names and completes the payment, or fails the reserve of an out-of-stock product", async () => {
		const userId = randomUserId();
		const inStock = await client.CreateOrder({ user_id: userId, order_products: [{ product_id: 3, count: 1 }, { product_id: 4, count: 2 }] });
		const outOfStock = await client.CreateOrder({ user_id: userId, order_products: [{ product_id: 3, count: 1 }, { product_id: OUT_OF_STOCK, count: 1 }] });

		expect(await terminal(inStock.order_id)).toEqual(["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"]);
		expect(await terminal(outOfStock.order_id)).toEqual(["ORDER_CREATED", "RESERVE_FAILED"]);
		expect(products.failures.count).toBe(0);
		expect(simulator.stats.sent[`${env.RESERVE_TOPIC}:CREATED`]).toBeGreaterThanOrEqual(1);
		const { orders } = (await client.GetOrders({ user_id: userId })) as { orders: Array<{ state: string }> };
		expect(orders.map((o) => o.state)).toEqual(["PAYMENT_COMPLETED", "RESERVE_FAILED"]);
	});
});
