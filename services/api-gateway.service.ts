/**
 * REST entry point (moleculer-web): exactly the routes of CONTRACT.md. Only
 * aliases are reachable (mappingPolicy "restrict", no auto-aliases), so
 * internal actions such as state.apply or $node.* cannot be called over HTTP.
 * Every error leaves through lib/gateways/orders-http-errors.ts.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Errors, type Context, type Service, type ServiceBroker, type ServiceSchema } from "moleculer";
import ApiGateway, { type Alias, type ApiSettingsSchema, type IncomingRequest } from "moleculer-web";
import type { Config } from "../lib/platform/config";
import { checkHealth } from "../lib/platform/health";
import { registerMetrics, SAGA_METRICS } from "../lib/platform/metrics";
import { BODY_LIMIT_BYTES, publicError } from "../lib/gateways/orders-http-errors";
import type { OrdersMeta } from "./orders.service";

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
	health?: Config;
}

const ApiGatewayService: ServiceSchema<ApiSettingsSchema & GatewaySettings> = {
	name: "api-gateway",
	mixins: [ApiGateway],
	settings: {
		// `port` comes with the node's settings (lib/platform/service-settings.ts); `health` holds URLs with credentials.
		$secureSettings: ["health"],
		ip: "0.0.0.0",
		routes: [
			{
				path: "/api",
				mappingPolicy: "restrict",
				autoAliases: false,
				// Every request body is read as JSON (curl -d sends form content type by default).
				bodyParsers: { json: { limit: BODY_LIMIT_BYTES, strict: true, type: () => true }, urlencoded: false },
				aliases: {
					"POST /orders": "orders.create",
					"GET /orders": "orders.list",
					"GET /orders/:order_id": "orders.get",
					"GET /orders/:order_id/states": "orders.states",
					"GET /ping": "api-gateway.ping",
					"GET /health": "api-gateway.health",
				},
				onBeforeCall(this: Service, ctx: Context<unknown, GatewayMeta>, _route: unknown, req: GatewayRequest, res: ServerResponse) {
					observeLatency(this.broker, req, res);
					const key = req.headers["idempotency-key"];
					if (typeof key === "string") ctx.meta.idempotency_key = key;
					// A create without a key gets one of the gateway's own: the broker retries the call
					// after a timeout or a lost node, and the retry must find what the first attempt committed.
					else if (req.method === "POST") ctx.meta.idempotency_key = `gateway:${randomUUID()}`;
				},
				onAfterCall(ctx: Context<unknown, GatewayMeta>, _route: unknown, req: IncomingMessage, _res: ServerResponse, data: unknown) {
					if (req.method === "POST") {
						ctx.meta.$statusCode = 201;
						ctx.meta.$location = `/api/orders/${(data as { order_id: number }).order_id}`;
					}
					return data;
				},
			},
		],
		/** Every error response: the contract's shape, nothing internal. */
		onError(_req: IncomingMessage, res: ServerResponse, err: unknown) {
			const body = publicError(err);
			if (res.headersSent) return void res.end(); // a reply was under way: finish it rather than leave the socket open
			res.setHeader("Content-Type", "application/json; charset=utf-8");
			res.writeHead(body.code);
			res.end(JSON.stringify(body));
		},
	},
	created() {
		registerMetrics(this.broker, ["httpDuration"]);
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
				const { health } = this.settings;
				if (!health) throw new Error("settings.health is missing");
				const report = await checkHealth(health);
				const down = Object.entries(report).filter(([, status]) => status === "down").map(([name]) => name);
				if (down.length > 0) {
					const err = new Errors.MoleculerError(`Not answering: ${down.join(", ")}`, 503, "DEPENDENCY_DOWN", report);
					err.name = "ServiceUnavailableError";
					throw err;
				}
				return { status: "ok", ...report };
			},
		},
	},
};

export default ApiGatewayService;
