/**
 * The products service's part of the saga as the real one plays it: on each
 * order event it asks the orders service `GetOrder` over gRPC which products to
 * reserve, then answers CREATED, or FAILED when one of them is out of stock. A
 * failed GetOrder skips the order (null), as the products service does.
 */
import * as grpc from "@grpc/grpc-js";
import { loadOrdersApi } from "../lib/gateways/grpc/orders-proto";
import type { ReserveDecider } from "./saga-simulator";

export interface ProductsOverGrpc {
	decide: ReserveDecider;
	/** GetOrder failures so far, with the last one's message. */
	failures: { count: number; last?: string };
	close(): void;
}

const GET_ORDER_DEADLINE_MS = 5_000;

export function productsOverGrpc(address: string, outOfStock: ReadonlySet<number> = new Set()): ProductsOverGrpc {
	const OrdersApi = grpc.makeClientConstructor(loadOrdersApi().service, "OrdersApi");
	const client = new OrdersApi(address, grpc.credentials.createInsecure());
	const failures: ProductsOverGrpc["failures"] = { count: 0 };
	const getOrder = (orderId: number) =>
		new Promise<{ order_products: Array<{ product_id: string }> }>((resolve, reject) => {
			// The metadata the Go clients send; the orders service ignores it.
			const metadata = new grpc.Metadata();
			metadata.set("sender", "products-simulator");
			metadata.set("when", new Date().toISOString());
			client.GetOrder({ order_id: orderId }, metadata, { deadline: Date.now() + GET_ORDER_DEADLINE_MS }, (err: grpc.ServiceError | null, order: { order_products: Array<{ product_id: string }> }) =>
				err ? reject(err) : resolve(order),
			);
		});
	return {
		failures,
		async decide(orderId) {
			try {
				const order = await getOrder(orderId);
				return order.order_products.some((p) => outOfStock.has(Number(p.product_id))) ? "FAILED" : "CREATED";
			} catch (err) {
				failures.count += 1;
				failures.last = (err as Error).message;
				return null;
			}
		},
		close: () => client.close(),
	};
}
