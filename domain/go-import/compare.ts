/**
 * Whether an order already in this database is the one an import would write:
 * a re-run skips identical orders and reports, never overwrites, different ones.
 */
import type { ImportedOrder } from "./order";

/** An order as this database holds it; times as canonical UTC text (utcFromPlainTimestamp's spelling). */
export interface StoredOrder {
	user_id: number;
	description: string;
	state: string;
	products: Array<{ product_id: number; count: number }>;
	states: Array<{ state: string; time: string }>;
}

const sameList = <A, B>(a: readonly A[], b: readonly B[], same: (x: A, y: B) => boolean): boolean =>
	a.length === b.length && a.every((x, i) => same(x, b[i]));

/** The first field that differs, or null when the stored order is the imported one. */
export function differenceFrom(expected: ImportedOrder, stored: StoredOrder): string | null {
	if (stored.user_id !== expected.user_id) return `user_id is ${stored.user_id} here, ${expected.user_id} in Go`;
	if (stored.description !== expected.description) return "description differs";
	if (!sameList(stored.products, expected.products, (a, b) => a.product_id === b.product_id && a.count === b.count)) return "products differ";
	// A state without a time (an order imported without a history) was recorded at import time: any time matches.
	if (!sameList(stored.states, expected.states, (a, b) => a.state === b.state && (b.time === null || a.time === b.time))) return "state history differs";
	if (stored.state !== expected.state) return `state is ${stored.state} here, ${expected.state} in Go`;
	return null;
}
