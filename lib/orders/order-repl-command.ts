/** The REPL's `order <order_id>`: an order and its saga state timeline, asked of the orders service. */
import type { Order } from "../../domain/order-view";
import { operand, print, type ReplCommand } from "../platform/repl/repl-command";

export const orderReplCommand: ReplCommand = {
	command: "order <order_id>",
	description: "Show an order and its saga state timeline",
	async action(broker, args) {
		const order_id = Number(operand(args, "order_id"));
		const order = await broker.call<Order, { order_id: number }>("orders.get", { order_id });
		const { order_states } = await broker.call<{ order_states: Array<{ state: string; time: string }> }, { order_id: number }>("orders.states", {
			order_id,
		});
		print(`order ${order.order_id}  user ${order.user_id}  state ${order.state}  created ${order.created_at}`);
		print(`  products: ${order.order_products.map((p) => `${p.product_id} x${p.count}`).join(", ")}`);
		if (order.description) print(`  description: ${order.description}`);
		const start = Date.parse(order_states[0]?.time ?? order.created_at);
		for (const { state, time } of order_states) print(`  ${time}  +${Date.parse(time) - start} ms  ${state}`);
	},
};
