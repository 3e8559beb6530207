/**
 * The products of one Go order as this schema takes them: one row per product
 * (the Go service allowed the same product twice: merged, counts summed, at the
 * place of its first row), each count from 1 to MAX_COUNT.
 */
import { MAX_COUNT } from "../order-input";
import { toSafeId } from "./ids";

export interface GoProductRow {
	product_id: string;
	count: string;
}

export interface ImportedProduct {
	product_id: number;
	count: number;
}

export type ProductsResult =
	| { kind: "ok"; products: ImportedProduct[]; merged: number[] }
	| { kind: "refused"; reason: string };

/** Rows in the Go table's order (by its id); bigint columns as PostgreSQL's text. */
export function importProducts(rows: readonly GoProductRow[]): ProductsResult {
	const sums = new Map<string, bigint>();
	const merged = new Set<number>();
	for (const row of rows) {
		const productId = toSafeId(row.product_id);
		if (productId === null) return { kind: "refused", reason: `product_id ${row.product_id} is not an id this schema takes (1 to 2^53-1)` };
		const count = BigInt(row.count);
		if (count < 1n || count > BigInt(MAX_COUNT)) {
			return { kind: "refused", reason: `product ${row.product_id} has count ${row.count} (this schema takes 1 to ${MAX_COUNT})` };
		}
		if (sums.has(row.product_id)) merged.add(productId);
		sums.set(row.product_id, (sums.get(row.product_id) ?? 0n) + count);
	}
	const products: ImportedProduct[] = [];
	for (const [id, count] of sums) {
		if (count > BigInt(MAX_COUNT)) {
			return { kind: "refused", reason: `product ${id} appears more than once and its counts sum to ${count} (this schema takes 1 to ${MAX_COUNT})` };
		}
		products.push({ product_id: Number(id), count: Number(count) });
	}
	return { kind: "ok", products, merged: [...merged] };
}
