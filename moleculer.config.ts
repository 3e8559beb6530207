/**
 * Broker options for every node, read from the environment (lib/platform/config/config.ts),
 * in layers: `brokerOptions` (the broker itself), `nodeOptions` (plus the services'
 * settings: tests, the REPL, benchmarks), and the default export (plus the probes),
 * what the runner loads for a process's node (`npm start`, `npm run start:prod`:
 * bin/process-node.ts).
 */
import type { BrokerOptions, Errors, Tracer } from "moleculer";
import { config, type Config } from "./lib/platform/config/config";
import { redisOptions } from "./lib/platform/clients/redis-options";
import { transitEncryption } from "./lib/platform/node/transit-encryption";
import { ProbesMiddleware } from "./lib/platform/observability/probes";
import { CatalogRegenerator } from "./lib/platform/node/error-regenerator";
import { ServiceSettingsMiddleware } from "./wiring/service-settings";

function tracingExporter(cfg: Config): Tracer.TracingExporter {
	switch (cfg.tracing) {
		case "zipkin":
			return { type: "Zipkin", options: { baseURL: cfg.tracingEndpoint ?? "http://127.0.0.1:9411" } };
		case "event":
			// Each finished span at once as a `$tracing.spans` event to a subscriber in the cluster (the tracing test collects them).
			return { type: "Event", options: { eventName: "$tracing.spans", sendStartSpan: false, sendFinishSpan: true, broadcast: false, interval: 0 } };
		default:
			return { type: "Console", options: { width: 100, colors: true } };
	}
}

export function brokerOptions(cfg: Config = config()): BrokerOptions {
	return {
		namespace: cfg.namespace,
		nodeID: cfg.nodeId,
		transporter: { type: "Redis", options: redisOptions(cfg.redisUrl) },
		cacher: { type: "Redis", options: { redis: redisOptions(cfg.redisUrl), prefix: `${cfg.namespace}-cache`, ttl: 300 } },
		serializer: "JSON",
		// Rebuilds the error catalog's classes on the caller's node (the gateways map errors by class).
		errorRegenerator: new CatalogRegenerator(),
		// Anyone who reaches Redis otherwise reads every call and can call any action (docs/security.md).
		middlewares: cfg.transitKey ? [transitEncryption(cfg.transitKey)] : [],
		// "jsonext" lifts a leading object argument into the JSON line, so
		// `logger.info({ order_id, idempotent_key }, "applied")` gives searchable fields.
		logger: {
			type: "Console",
			options: { level: cfg.logLevel, formatter: cfg.logFormat === "json" ? "jsonext" : "full", colors: cfg.logFormat === "full" },
		},
		requestTimeout: 10_000,
		// Retried only when the error says so (a node that left, a timeout): the gateway
		// gives every create an idempotency key, so a retry returns the same order.
		retryPolicy: {
			enabled: true,
			retries: 3,
			delay: 100,
			maxDelay: 1_000,
			factor: 2,
			check: (err: Error) => Boolean((err as Errors.MoleculerRetryableError).retryable),
		},
		registry: { strategy: "RoundRobin", preferLocal: true },
		// Let in-flight requests finish before a node stops.
		tracking: { enabled: true, shutdownTimeout: 10_000 },
		validator: true,
		metrics: {
			enabled: cfg.metricsEnabled,
			reporter: [{ type: "Prometheus", options: { port: cfg.metricsPort, path: "/metrics" } }],
		},
		tracing: { enabled: cfg.tracing !== "off", exporter: tracingExporter(cfg) },
		// The process owns SIGINT/SIGTERM: the runner (lib/platform/node/node-runner.ts) stops its node; a test stops its own nodes.
		skipProcessEventRegistration: true,
	};
}

/** Every node: its services get their settings from the node's Config as each one is created (wiring/service-settings.ts). */
export function nodeOptions(cfg: Config = config()): BrokerOptions {
	const base = brokerOptions(cfg);
	return { ...base, middlewares: [...(base.middlewares ?? []), ServiceSettingsMiddleware(cfg)] };
}

/**
 * A node that is its process's one node, under the runner (`npm start`, `npm run start:prod`,
 * `npm run dev`): it also serves the probes while it runs.
 */
export default function runnerOptions(cfg: Config = config()): BrokerOptions {
	const node = nodeOptions(cfg);
	return { ...node, middlewares: [...(node.middlewares ?? []), ...(cfg.probesEnabled ? [ProbesMiddleware(cfg)] : [])] };
}
