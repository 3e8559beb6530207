/**
 * grpc-gateway: the Go orders service's gRPC API (proto/orders.proto) on
 * GRPC_PORT, for its clients (the products service, the Telegram bot). Each
 * method calls the `orders` actions as REST does, under the client's deadline.
 * With tracing on it runs as a private action here, so its span is the parent
 * of the orders call's; with tracing off it runs on a context of its own
 * (lib/gateways/grpc/method-context.ts): one Moleculer call per create, not two.
 * Private actions are not in the
 * registry: nothing of this service, nor `state` or `outbox-relay`, is
 * reachable over gRPC beyond the five methods (lib/gateways/grpc/).
 * With authentication on, the `authorization` metadata is checked as REST's
 * Authorization header and the caller goes to `orders` as `meta.user`.
 */
import { randomUUID } from "node:crypto";
import type { ActionSchema, Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { registerMetrics, SAGA_METRICS } from "../lib/platform/observability/metrics";
import { methodContext } from "../lib/gateways/grpc/method-context";
import { startGrpcServer, type GrpcServer } from "../lib/gateways/grpc/grpc-server";
import { ORDERS_API_METHODS, type MethodSettings, type OrdersApiMethodName } from "../lib/gateways/grpc/orders-api-methods";
import { createAuthenticator } from "../lib/gateways/auth";
import { grpcGatewaySettingsSchema } from "../lib/gateways/grpc/grpc-gateway-settings";
import { checkSettings } from "../lib/platform/config/settings-check";
import type { AuthConfig } from "../lib/platform/config/config";
import type { OrdersMeta } from "../domain/orders-meta";

/** Filled from the node's Config (wiring/service-settings.ts). */
export interface GrpcGatewaySettings extends MethodSettings, ServiceSettingSchema {
	host: string;
	/** 0 picks a free port (the tests). */
	port: number;
	/** Bearer-token authentication; null: off (every caller is trusted). */
	auth: AuthConfig | null;
}

/** Open with authentication on too, as REST's /api/ping: an orchestrator's checks carry no token. */
const OPEN_METHODS = new Set<OrdersApiMethodName>(["GetPing"]);

/** Calls under way get this long to finish when the node stops. */
const STOP_GRACE_MS = 10_000;

const servers = new WeakMap<Service<GrpcGatewaySettings>, GrpcServer>();

const methodActions = Object.fromEntries(
	(Object.keys(ORDERS_API_METHODS) as OrdersApiMethodName[]).map((name): [string, ActionSchema<Service<GrpcGatewaySettings>>] => [
		name,
		{
			visibility: "private",
			// The gRPC request is answered once: the broker retries the orders call inside, never this one.
			retryPolicy: { enabled: false },
			handler(this: Service<GrpcGatewaySettings>, ctx: Context<Record<string, unknown>>) {
				return ORDERS_API_METHODS[name](ctx, this.settings);
			},
		},
	]),
);

/** A create's meta: the client's key, or one of the gateway's own, marked so (only a retry of this call reuses it). */
const createMeta = (idempotencyKey: string | undefined): OrdersMeta =>
	idempotencyKey ? { idempotency_key: idempotencyKey } : { idempotency_key: `gateway:${randomUUID()}`, idempotency_key_generated: true };

const GrpcGatewayService: ServiceSchema<GrpcGatewaySettings> = {
	name: "grpc-gateway",
	// The node fills in the rest; databaseUrl (GetPing's database) and auth (the JWT secret) hold credentials: other nodes never see them.
	settings: { $secureSettings: ["databaseUrl", "auth"] } as GrpcGatewaySettings,
	actions: methodActions,

	created() {
		checkSettings("grpc-gateway", grpcGatewaySettingsSchema, this.settings);
		registerMetrics(this.broker, ["grpcDuration", "grpcRequests"]);
	},

	async started() {
		const { auth } = this.settings;
		const authenticate = auth ? createAuthenticator(auth) : null;
		const server = await startGrpcServer({
			host: this.settings.host,
			port: this.settings.port,
			invoke: async (method, request, { idempotencyKey, authorization, timeoutMs }) => {
				// A create without a key gets one of the gateway's own, as over REST: the broker retries
				// orders.create after a timeout or a lost node, and the retry must find the first attempt's order.
				const meta: OrdersMeta = method === "CreateOrder" ? createMeta(idempotencyKey) : {};
				// A refused token answers UNAUTHENTICATED (its 401) before any orders action runs.
				if (authenticate && !OPEN_METHODS.has(method)) meta.user = await authenticate(authorization);
				if (this.broker.isTracingEnabled()) return this.actions[method](request, { meta, timeout: timeoutMs });
				return ORDERS_API_METHODS[method](methodContext(this.broker, request, meta, timeoutMs), this.settings);
			},
			observe: (method, code, seconds) => {
				if (!this.broker.isMetricsEnabled()) return;
				this.broker.metrics.increment(SAGA_METRICS.grpcRequests, { method, code });
				this.broker.metrics.observe(SAGA_METRICS.grpcDuration, seconds, { method, code });
			},
			internalError: (method, err) => this.logger.error(`gRPC ${method} failed:`, err),
		});
		servers.set(this, server);
		this.logger.info(`gRPC ordersapi.OrdersApi listening on port ${server.port}`);
	},

	async stopped() {
		await servers.get(this)?.stop(STOP_GRACE_MS);
		servers.delete(this);
	},
};

export default GrpcGatewayService;
