/**
 * One Go order (its "order", product and state rows) turned into what this
 * schema stores, or refused whole with the reason. Pure: the reading and the
 * writing are in lib/import-go.
 */
import { MAX_DESCRIPTION, toUserId } from "../order-input";
import { furthestState, type OrderState } from "../order-state";
import { importHistory, type GoStateRow, type ImportedState } from "./history";
import { toSafeId } from "./ids";
import { importProducts, type GoProductRow, type ImportedProduct } from "./products";

export interface GoOrderRows {
	id: string;
	user_id: string;
	description: string | null;
	products: GoProductRow[];
	states: GoStateRow[];
}

export interface ImportedOrder {
	order_id: number;
	user_id: number;
	description: string;
	/** The furthest state of the history (domain/order-state.ts); ORDER_CREATED for an order without one. */
	state: OrderState;
	products: ImportedProduct[];
	/** Oldest first. A Go order without any state row gets ORDER_CREATED with no time: the import's time. */
	states: Array<{ state: OrderState; time: string | null }>;
}

/** What the report says about an order that was imported (all empty: nothing to say). */
export interface OrderNotes {
	mergedProducts: number[];
	repeatedStates: ImportedState[];
	brokenRule: string | null;
	noHistory: boolean;
}

export type OrderOutcome =
	| { kind: "ok"; order: ImportedOrder; notes: OrderNotes }
	| { kind: "refused"; orderId: string; reason: string };

export function importOrder(rows: GoOrderRows): OrderOutcome {
	const refuse = (reason: string): OrderOutcome => ({ kind: "refused", orderId: rows.id, reason });
	const orderId = toSafeId(rows.id);
	if (orderId === null) return refuse(`order id ${rows.id} is above 2^53-1, which clients cannot read exactly`);
	const userId = toUserId(rows.user_id);
	if (userId === null) return refuse(`user_id ${rows.user_id} is not a user id this schema takes (non-zero, -(2^53-1) to 2^53-1)`);
	const description = rows.description ?? "";
	if ([...description].length > MAX_DESCRIPTION) return refuse(`description is longer than ${MAX_DESCRIPTION} characters`);
	const products = importProducts(rows.products);
	if (products.kind === "refused") return refuse(products.reason);
	const history = importHistory(rows.states);
	if (history.kind === "refused") return refuse(history.reason);
	const states = history.states.length > 0 ? history.states : [{ state: "ORDER_CREATED" as const, time: null }];
	return {
		kind: "ok",
		order: { order_id: orderId, user_id: userId, description, state: furthestState(states.map((s) => s.state)) ?? "ORDER_CREATED", products: products.products, states },
		notes: { mergedProducts: products.merged, repeatedStates: history.repeated, brokenRule: history.brokenRule, noHistory: rows.states.length === 0 },
	};
}
