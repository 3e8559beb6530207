/**
 * What a call's metadata and deadline mean to the gateway: `idempotency-key`
 * is the REST Idempotency-Key (checked by the same rule), `authorization` the
 * REST Authorization header (checked by grpc-gateway when authentication is on); the Go clients'
 * `sender` and `when` are accepted and ignored; the deadline bounds the broker
 * calls made for it.
 */
import type { Deadline, Metadata } from "@grpc/grpc-js";
import { isValidIdempotencyKey, MAX_IDEMPOTENCY_KEY } from "../../../domain/order-idempotency";
import { invalidArgument } from "./grpc-errors";

export const IDEMPOTENCY_METADATA = "idempotency-key";
export const AUTHORIZATION_METADATA = "authorization";

export interface CallOptions {
	idempotencyKey?: string;
	/** `Bearer <jwt>`; several values are joined, so they fail the bearer check rather than pick one. */
	authorization?: string;
	/** Milliseconds left before the deadline; undefined when the client set none. */
	timeoutMs?: number;
	deadlineMissed(): boolean;
}

function idempotencyKey(metadata: Metadata): string | undefined {
	const values = metadata.get(IDEMPOTENCY_METADATA);
	if (values.length === 0) return undefined;
	const [key] = values;
	if (values.length > 1 || typeof key !== "string" || !isValidIdempotencyKey(key)) {
		throw invalidArgument(IDEMPOTENCY_METADATA, "idempotencyKey", `The '${IDEMPOTENCY_METADATA}' metadata must be one value of 1 to ${MAX_IDEMPOTENCY_KEY} visible ASCII characters.`);
	}
	return key;
}

function authorization(metadata: Metadata): string | undefined {
	const values = metadata.get(AUTHORIZATION_METADATA);
	return values.length === 0 ? undefined : values.map(String).join(", ");
}

export function callOptions(metadata: Metadata, deadline: Deadline): CallOptions {
	const at = deadline instanceof Date ? deadline.getTime() : deadline;
	const bounded = Number.isFinite(at);
	return {
		idempotencyKey: idempotencyKey(metadata),
		authorization: authorization(metadata),
		// At least 1 ms: a deadline already gone still gets its call refused by the broker's timeout, not run unbounded.
		timeoutMs: bounded ? Math.max(1, at - Date.now()) : undefined,
		deadlineMissed: () => bounded && Date.now() >= at,
	};
}
