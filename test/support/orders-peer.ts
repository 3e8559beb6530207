/**
 * A mocked orders service for unit tests of the state service: it records the
 * ORDERS_CHANGED events it receives, and can fail the next one (as an orders
 * node whose Redis does not answer).
 */
import type { Context } from "moleculer";
import { ORDERS_CHANGED, type OrdersChanged } from "../../domain/orders-changed";

export function ordersPeer() {
	const announced: OrdersChanged[] = [];
	let failure: Error | undefined;
	const schema = {
		name: "orders",
		events: {
			[ORDERS_CHANGED](ctx: Context<OrdersChanged>) {
				announced.push(ctx.params);
				const err = failure;
				failure = undefined;
				if (err) throw err;
			},
		},
	};
	return {
		schema,
		announced,
		reset: () => announced.splice(0),
		failNext: (err: Error) => (failure = err),
	};
}
