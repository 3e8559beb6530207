/**
 * What a gateway passes along with a call to orders (the call's meta): the
 * contract between the gateways and the orders service, so neither imports the other.
 */
import type { Caller } from "./order-access";

export interface OrdersMeta {
	/** The Idempotency-Key header (REST) or metadata (gRPC), when sent. */
	idempotency_key?: string;
	/**
	 * The gateway made `idempotency_key` for this one request (none was sent): only the broker's
	 * retries of this very call reuse it, so no request hash is needed to tell them from another request.
	 */
	idempotency_key_generated?: boolean;
	/** Set by a gateway with authentication on; absent means every caller is trusted. */
	user?: Caller | null;
}
