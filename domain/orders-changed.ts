/**
 * The contract between the service that changes orders (state) and the one that
 * serves and caches their reads (orders): after a commit that changed orders,
 * the state service broadcasts ORDERS_CHANGED to every orders node, and each
 * drops its cached reads of those orders. Dropping twice is harmless, so a
 * redelivered change is announced again.
 */
export const ORDERS_CHANGED = "orders.changed";

export interface OrdersChanged {
	/** The changed orders, each once. */
	ids: number[];
}

/** The event's payload: each order once, or null when nothing changed (no event then). */
export function ordersChanged(orderIds: Iterable<number>): OrdersChanged | null {
	const ids = [...new Set(orderIds)];
	return ids.length === 0 ? null : { ids };
}

/** What an orders node accepts (anything else is logged and dropped by Moleculer's validator). */
export const ordersChangedParams = {
	ids: { type: "array", min: 1, items: { type: "number", integer: true, positive: true } },
} as const;
