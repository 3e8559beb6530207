/**
 * The cached reads of one order (orders.get and orders.states, cached by
 * `keys: ["order_id"]`) and their invalidation. Whoever commits a change to an
 * order calls `invalidateOrders` after the commit and before answering, so a
 * read that starts after the change never sees the old state.
 */
import type { ServiceBroker } from "moleculer";

export const CACHED_ORDER_READS = ["orders.get", "orders.states"] as const;

export const orderCacheKeys = (orderId: number | string): string[] => CACHED_ORDER_READS.map((action) => `${action}:${orderId}`);

export async function invalidateOrders(broker: ServiceBroker, orderIds: Iterable<number | string>): Promise<void> {
	const keys = [...new Set(orderIds)].flatMap(orderCacheKeys);
	if (broker.cacher && keys.length > 0) await broker.cacher.del(keys);
}
