/**
 * A gRPC method's own context when nothing traces it: the orders actions it
 * calls get their meta, their share of its deadline (Moleculer's distributed
 * timeout, counted from now) and a parent, as under a grpc-gateway action,
 * without running an action of its own through the broker's middlewares
 * (tracking, timeout, retry, error handling: each a closure and a promise per
 * call). The per-call cost of a create was two Moleculer calls; it is one.
 */
import { Context, type ServiceBroker } from "moleculer";
import type { OrdersMeta } from "../../../domain/orders-meta";

export function methodContext(broker: ServiceBroker, request: Record<string, unknown>, meta: OrdersMeta, timeoutMs: number | undefined): Context<Record<string, unknown>> {
	// Unbounded calls get the broker's request timeout, as the gateway's action would.
	const ctx = Context.create(broker, null as never, request, { meta, timeout: timeoutMs ?? broker.options.requestTimeout, paramsCloning: false });
	ctx.startHrTime = process.hrtime();
	return ctx as Context<Record<string, unknown>>;
}
