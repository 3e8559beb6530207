/**
 * The REST Idempotency-Key: which keys are accepted and the hash of the request
 * they are bound to. A retry with the same key and the same request gets the
 * same order; the same key with another request is a conflict.
 */
import { hash } from "node:crypto";
import type { CreateOrderInput } from "./order-input";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
export const MAX_IDEMPOTENCY_KEY = 255;

/** Visible ASCII only, so a key is compared (and logged) exactly as sent. */
export const isValidIdempotencyKey = (key: string): boolean => key.length >= 1 && key.length <= MAX_IDEMPOTENCY_KEY && /^[\x21-\x7e]+$/.test(key);

/** The request hash stored with a key the gateway made for one request: its only reuse is a retry of that request. */
export const GENERATED_KEY_HASH = "gateway";

/**
 * Hash of what the request asks for, field order and absent-vs-empty
 * description aside: the same order asked twice hashes the same.
 */
export function requestHash(input: CreateOrderInput): string {
	const canonical = JSON.stringify([
		input.user_id,
		input.description ?? "",
		input.order_products.map((p) => [p.product_id, p.count]),
	]);
	// One-shot: no Hash object per request.
	return hash("sha256", canonical, "hex");
}
