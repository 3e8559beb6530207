/**
 * What a gateway passes along with a call to orders (the call's meta): the
 * contract between the gateways and the orders service, so neither imports the other.
 */
import type { Caller } from "./order-access";

export interface OrdersMeta {
	/** The Idempotency-Key header (REST) or metadata (gRPC), when sent. */
	idempotency_key?: string;
	/** Set by a gateway with authentication on; absent means every caller is trusted. */
	user?: Caller | null;
}
