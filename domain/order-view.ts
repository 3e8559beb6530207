/**
 * An order as the orders service answers it (orders.get, orders.list, orders.states):
 * the contract its callers (the gateways, the console) read, apart from how it is stored.
 */
import type { OrderState } from "./order-state";

export interface OrderProduct {
	product_id: number;
	count: number;
}

export interface OrderSummary {
	order_id: number;
	user_id: number;
	description: string;
	state: OrderState;
	created_at: string;
}

export interface Order extends OrderSummary {
	order_products: OrderProduct[];
}

export interface OrderStateEntry {
	state: OrderState;
	time: string;
}
