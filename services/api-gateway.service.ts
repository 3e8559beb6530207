/**
 * REST entry point (moleculer-web): exactly the routes of docs/rest-api.md. Only
 * aliases are reachable (mappingPolicy "restrict", no auto-aliases), so
 * internal actions such as state.apply or $node.* cannot be called over HTTP.
 * Every error leaves through lib/gateways/orders-http-errors.ts.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Errors, type Context, type Service, type ServiceBroker, type ServiceSchema } from "moleculer";
import ApiGateway, { type Alias, type ApiRouteSchema, type ApiSettingsSchema, type IncomingRequest } from "moleculer-web";
import type { Config } from "../lib/platform/config/config";
import { checkSettings } from "../lib/platform/config/settings-check";
import { apiGatewaySettingsSchema } from "../lib/gateways/api-gateway-settings";
import { healthChecker, upOrDown, type HealthChecker, type HealthTargets } from "../lib/platform/observability/health";
import { registerMetrics, SAGA_METRICS } from "../lib/platform/observability/metrics";
import { DependencyDownError } from "../domain/errors/catalog";
import type { Caller } from "../domain/order-access";
import { bearerChallenge, createAuthenticator, type Authenticate } from "../lib/gateways/auth";
import { createRateLimit, retryAfterSeconds } from "../lib/gateways/create-rate-limit";
import { BODY_LIMIT_BYTES, publicError, type PublicError } from "../lib/gateways/orders-http-errors";
import type { OrdersMeta } from "../domain/orders-meta";
import { ConsolePages, consoleRoutes } from "../mixins/console-pages.mixin";

type GatewayMeta = OrdersMeta & { $statusCode?: number; $location?: string };
/** moleculer-web stamps each request with its start (process.hrtime) and the alias it matched (with its full path). */
type GatewayRequest = IncomingRequest & { $alias?: Alias & { fullPath?: string } };

/** REST latency per route and status, once the response is written (errors included). */
function observeLatency(broker: ServiceBroker, req: GatewayRequest, res: ServerResponse): void {
	const [startSeconds, startNanos] = req.$startTime ?? [];
	if (startSeconds === undefined || startNanos === undefined || !broker.isMetricsEnabled()) return;
	res.once("finish", () => {
		const [seconds, nanos] = process.hrtime([startSeconds, startNanos]);
		const labels = { method: req.method ?? "", route: req.$alias?.fullPath ?? "", status: res.statusCode };
		broker.metrics.observe(SAGA_METRICS.httpDuration, seconds + nanos / 1e9, labels);
	});
}

export interface GatewaySettings {
	/** Where GET /api/health looks for PostgreSQL, Redis and Kafka (given by the node; optional for the schema's own settings). */
	health?: HealthTargets;
	/** Authentication and the create rate limit (given by the node; absent: both off). */
	security?: Pick<Config, "auth" | "createRateLimit" | "redisUrl" | "namespace">;
}

/** Each gateway instance's health checker, from started() to stopped(). */
const checkers = new WeakMap<Service, HealthChecker>();

interface GatewayVars {
	/** null: authentication is off and every caller is trusted. */
	verifyBearer: Authenticate | null;
	/** moleculer-web's: its routes as built, and how to (re)build one. */
	routes: { rateLimit?: { store?: { close?: () => Promise<void> } } }[];
	addRoute(opts: ApiRouteSchema): unknown;
}

/**
 * How long an idle keep-alive connection stays open: longer than the 60 s idle
 * timeout of common load balancers and proxies, so the client side closes first.
 * A server that closes first (Node's default is 5 s) races the client's next
 * request on that socket, which then fails with ECONNRESET.
 */
export const KEEP_ALIVE_MS = 65_000;

/** Routes anyone may call, with authentication on too: an orchestrator's checks carry no token. */
const OPEN_ACTIONS = new Set(["api-gateway.ping", "api-gateway.health"]);

/** Headers of the security errors: RFC 6750's challenge on a 401, RFC 9110's Retry-After on a 429. */
function securityHeaders(res: ServerResponse, body: PublicError, createWindowMs: number | undefined): void {
	if (body.code === 401) res.setHeader("WWW-Authenticate", bearerChallenge(body.type));
	if (body.code === 429 && createWindowMs !== undefined) {
		const seconds = retryAfterSeconds(createWindowMs);
		res.setHeader("Retry-After", String(seconds));
		body.data = { retry_after: seconds };
	}
}

const ApiGatewayService: ServiceSchema<ApiSettingsSchema & GatewaySettings, Record<string, unknown>, GatewayVars> = {
	name: "api-gateway",
	mixins: [ApiGateway, ConsolePages],
	settings: {
		// `port` comes with the node's settings (wiring/service-settings.ts); `health` holds URLs with credentials.
		$secureSettings: ["health", "security"],
		ip: "0.0.0.0",
		routes: [
			{
				path: "/api",
				mappingPolicy: "restrict",
				autoAliases: false,
				// The hook below decides: with authentication off it lets every request through.
				authentication: true,
				// Every request body is read as JSON (curl -d sends form content type by default).
				bodyParsers: { json: { limit: BODY_LIMIT_BYTES, strict: true, type: () => true }, urlencoded: false },
				aliases: {
					"POST /orders": "orders.create",
					"GET /orders": "orders.list",
					// Before /orders/:order_id, which would take "stuck" for an order id.
					"GET /orders/stuck": "orders.stuck",
					"GET /orders/:order_id": "orders.get",
					"GET /orders/:order_id/states": "orders.states",
					// Operators only when authentication is on (the state service checks the caller).
					"GET /dead-letters": "state.deadLetters",
					"POST /dead-letters/redrive": "state.redrive",
					"GET /dead-letters/redrives": "state.redrives",
					"GET /ping": "api-gateway.ping",
					"GET /health": "api-gateway.health",
					"GET /overview": "orders.overview",
					"GET /orders/:order_id/timeline": "orders.timeline",
				},
				onBeforeCall(this: Service, ctx: Context<unknown, GatewayMeta>, _route: unknown, req: GatewayRequest, res: ServerResponse) {
					observeLatency(this.broker, req, res);
					const key = req.headers["idempotency-key"];
					if (typeof key === "string") ctx.meta.idempotency_key = key;
					// A create without a key gets one of the gateway's own: the broker retries the call
					// after a timeout or a lost node, and the retry must find what the first attempt committed.
					else if (req.method === "POST") Object.assign(ctx.meta, { idempotency_key: `gateway:${randomUUID()}`, idempotency_key_generated: true });
				},
				onAfterCall(ctx: Context<unknown, GatewayMeta>, _route: unknown, req: GatewayRequest, _res: ServerResponse, data: unknown) {
					if (req.$alias?.action === "orders.create") {
						ctx.meta.$statusCode = 201;
						ctx.meta.$location = `/api/orders/${(data as { order_id: number }).order_id}`;
					}
					return data;
				},
			},
			// The operator console (mixins/console-pages.mixin.ts): its pages, assets and fragments.
			...consoleRoutes(),
		],
		/** Every error response: the contract's shape, nothing internal. */
		onError(this: Service<GatewaySettings>, _req: IncomingMessage, res: ServerResponse, err: unknown) {
			const body = publicError(err);
			if (res.headersSent) return void res.end(); // a reply was under way: finish it rather than leave the socket open
			securityHeaders(res, body, this.settings.security?.createRateLimit?.windowMs);
			res.setHeader("Content-Type", "application/json; charset=utf-8");
			res.writeHead(body.code);
			res.end(JSON.stringify(body));
		},
	},
	created() {
		checkSettings("api-gateway", apiGatewaySettingsSchema, this.settings);
		// moleculer-web made the server in its own created(), which runs before this one.
		(this.server as Server).keepAliveTimeout = KEEP_ALIVE_MS;
		registerMetrics(this.broker, ["httpDuration"]);
		const { security, routes } = this.settings;
		this.verifyBearer = security?.auth ? createAuthenticator(security.auth) : null;
		const limit = security?.createRateLimit;
		if (limit && routes?.[0]) {
			// moleculer-web built the routes from the schema before this hook: the /api route is built again with the node's limit.
			const rateLimit = createRateLimit({ ...limit, redisUrl: security.redisUrl, prefix: `${security.namespace}-rate:create`, byUser: security.auth !== null });
			this.addRoute({ ...routes[0], rateLimit });
		}
	},
	started() {
		const health = this.settings.health as HealthTargets;
		// The node's shared checker: its connections are kept, so a health request opens none.
		checkers.set(this, healthChecker(this.broker, health));
	},
	async stopped() {
		// moleculer-web made the rate limiter's store; its Redis connection ends with the gateway.
		await Promise.all(this.routes.map((route) => route.rateLimit?.store?.close?.()));
		await checkers.get(this)?.release();
		checkers.delete(this);
	},
	methods: {
		/**
		 * moleculer-web's authentication hook: the caller becomes ctx.meta.user
		 * (null with authentication off). A create without a user_id is for the token's user.
		 */
		async authenticate(_ctx: Context, _route: unknown, req: GatewayRequest & { $params?: Record<string, unknown> }): Promise<Caller | null> {
			if (!this.verifyBearer || OPEN_ACTIONS.has(req.$alias?.action ?? "")) return null;
			const caller = await this.verifyBearer(req.headers.authorization);
			if (req.$alias?.action === "orders.create" && req.$params && req.$params.user_id === undefined && caller.userId !== null) {
				req.$params.user_id = caller.userId;
			}
			return caller;
		},
	},
	actions: {
		// moleculer-web's request handler. The broker's retry policy must not replay
		// it: the HTTP request is consumed and rewritten by then (the replay answered
		// 404). The call behind the route is retried on its own, then the client gets
		// a 5xx it may retry with its Idempotency-Key.
		rest: { retryPolicy: { enabled: false } },
		ping: { handler: () => ({ pong: true }) },
		health: {
			async handler() {
				const checker = checkers.get(this);
				if (!checker) throw new Errors.MoleculerError("The gateway is not started", 503, "NOT_STARTED");
				const { answers, checked_at } = await checker.check();
				const report = upOrDown(answers);
				const down = Object.entries(report).filter(([, status]) => status === "down").map(([name]) => name);
				if (down.length > 0) {
					throw new DependencyDownError(`Not answering: ${down.join(", ")}`, { ...report, checked_at });
				}
				return { status: "ok", ...report, checked_at };
			},
		},
	},
};

export default ApiGatewayService;
