/**
 * The settings each service starts with, taken from the node's Config when
 * the node creates its services (wiring/create-node.ts). Services read only
 * their `settings`, never the environment, so a test can start one with
 * other settings. Settings that hold secrets (database URLs) are listed in
 * `$secureSettings` by the services, so other nodes never see them.
 */
import type { Middleware } from "moleculer";
import type { ApiSettingsSchema } from "moleculer-web";
import { kafkaBrokers, type Config, type ServiceName } from "../lib/platform/config/config";
import type { OutboxRelaySettings } from "../services/outbox-relay.service";
import type { OrdersSettings } from "../services/orders.service";
import type { StateSettings } from "../services/state.service";
import type { KafkaListenerSettings } from "../mixins/kafka-listener.mixin";
import type { GatewaySettings } from "../services/api-gateway.service";
import type { GrpcGatewaySettings } from "../services/grpc-gateway.service";
import { healthTargets } from "../lib/platform/observability/health";

type SettingsOf = Record<ServiceName, object> & {
	"api-gateway": Partial<ApiSettingsSchema> & GatewaySettings;
	"grpc-gateway": GrpcGatewaySettings;
	orders: OrdersSettings;
	state: StateSettings;
	"reserve-listener": KafkaListenerSettings;
	"payment-listener": KafkaListenerSettings;
	"outbox-relay": OutboxRelaySettings;
};

export function serviceSettings(cfg: Config): SettingsOf {
	const database = { url: cfg.databaseUrl, poolMax: cfg.dbPoolMax };
	const listener = (topic: "reserve" | "payment"): KafkaListenerSettings => ({
		listener: {
			topic: cfg.topics[topic],
			group: cfg.groups[topic],
			consumers: {
				reserve: { topic: cfg.topics.reserve, group: cfg.groups.reserve },
				payment: { topic: cfg.topics.payment, group: cfg.groups.payment },
			},
			kafkaBrokers: kafkaBrokers(cfg),
			clientIdPrefix: cfg.namespace,
			outOfOrderWindowMs: cfg.outOfOrderWindowMs,
			databaseUrl: cfg.databaseUrl,
			dbPoolMax: cfg.dbPoolMax,
			fromBeginning: cfg.consumerStart === "earliest",
			kafkaSecurity: cfg.kafkaSecurity,
			faultInjection: cfg.faultInjection,
		},
	});
	return {
		"api-gateway": {
			port: cfg.port,
			health: healthTargets(cfg),
			security: { auth: cfg.auth, createRateLimit: cfg.createRateLimit, redisUrl: cfg.redisUrl, namespace: cfg.namespace },
		},
		"grpc-gateway": { host: "0.0.0.0", port: cfg.grpcPort, maxOrders: cfg.grpcMaxOrders, databaseUrl: cfg.databaseUrl, auth: cfg.auth },
		orders: {
			orderTopic: cfg.topics.order,
			database,
			stuck: { afterMs: cfg.stuckAfterMs, topics: cfg.topics },
			console: {
				kafkaBrokers: kafkaBrokers(cfg),
				kafkaSecurity: cfg.kafkaSecurity,
				clientIdPrefix: cfg.namespace,
				watched: (["reserve", "payment"] as const).map((t) => ({ topic: cfg.topics[t], group: cfg.groups[t] })),
			},
		},
		state: { appliedKeyRetentionMs: cfg.appliedKeyRetentionMs, sagaTopics: { reserve: cfg.topics.reserve, payment: cfg.topics.payment }, database },
		"reserve-listener": listener("reserve"),
		"payment-listener": listener("payment"),
		"outbox-relay": {
			relay: {
				databaseUrl: cfg.databaseUrl,
				kafkaBrokers: kafkaBrokers(cfg),
				kafkaSecurity: cfg.kafkaSecurity,
				orderTopic: cfg.topics.order,
				batchSize: cfg.outboxBatchSize,
				pollMs: cfg.outboxPollMs,
				maxBackoffMs: cfg.outboxMaxBackoffMs,
				retentionMs: cfg.outboxRetentionMs,
				cleanupMs: cfg.outboxCleanupMs,
			},
		},
	};
}


/**
 * The same settings for services moleculer-runner loads from their files
 * (bin/runner.ts): laid over each schema's own before the service is created.
 */
export function ServiceSettingsMiddleware(cfg: Config): Middleware {
	const settings: Record<string, object> = serviceSettings(cfg);
	return {
		name: "ServiceSettings",
		serviceCreating(_service, schema) {
			const own = settings[schema.name];
			if (own) schema.settings = { ...schema.settings, ...own };
		},
	};
}
