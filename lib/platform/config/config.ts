/**
 * Every setting of the service, read once from the environment.
 * Defaults run on a local machine; a bad value throws a ConfigError whose
 * message is the one line start-up prints before it exits.
 */
import { ALL_SERVICES, type ServiceName } from "./service-names";
import { readSetting, isSet } from "./settings";
import { ConfigError, type Env } from "./setting-kinds";
import type { StuckDeadlines } from "../../../domain/stuck-orders";

export { ALL_SERVICES, ConfigError, type ServiceName };

export interface Config {
	/** Moleculer namespace: nodes join the cluster of the same namespace on the same Redis. */
	namespace: string;
	databaseUrl: string;
	redisUrl: string;
	/** Brokers from KAFKA_BROKERS; null means "start the project's own broker". */
	kafkaBrokers: string[] | null;
	/** The project's own broker (KAFKA_BROKERS unset): its port (controller on port + 1) and data home. */
	kafkaLocalPort: number;
	kafkaHomeDir: string;
	port: number;
	/** The Go-compatible gRPC API (grpc-gateway); 0 lets the system pick a free port (tests). */
	grpcPort: number;
	/** GetOrders answers every order of a user up to this many; past it RESOURCE_EXHAUSTED. */
	grpcMaxOrders: number;
	metricsPort: number;
	metricsEnabled: boolean;
	/** "event" emits spans as `$tracing.spans` events (tests observe traces with it). */
	tracing: "off" | "console" | "event" | "zipkin";
	/** Collector URL of the zipkin exporter (Zipkin, or Jaeger's Zipkin-compatible collector). */
	tracingEndpoint: string | undefined;
	services: ServiceName[];
	nodeId: string | undefined;
	logLevel: string;
	logFormat: "full" | "json";
	topics: { order: string; reserve: string; payment: string };
	/** Consumer group of each consumed topic (one group per topic, never shared between topics). */
	groups: { reserve: string; payment: string };
	/** Where a consumer group with no committed offset starts: the topic's first message or only new ones. */
	consumerStart: "earliest" | "latest";
	kafkaPartitions: number;
	outOfOrderWindowMs: number;
	outboxRetentionMs: number;
	appliedKeyRetentionMs: number;
	/** How long an order may wait in each non-terminal state before it counts as stuck. */
	stuckAfterMs: StuckDeadlines;
	/** Connections each service's pool may open. */
	dbPoolMax: number;
	/** Outbox rows one relay reads and publishes per batch (one Kafka send). */
	outboxBatchSize: number;
	/** Fallback poll of the relay; LISTEN/NOTIFY wakes it at once otherwise. */
	outboxPollMs: number;
	/** How often the relay deletes sent rows older than outboxRetentionMs. */
	outboxCleanupMs: number;
	/** Upper bound of the relay's exponential backoff while Kafka or PostgreSQL is down. */
	outboxMaxBackoffMs: number;
	/** Liveness and readiness (GET /live, GET /ready) for an orchestrator, on their own port (every process node: moleculer.config.ts). */
	probesEnabled: boolean;
	probePort: number;
	/** Bearer-token authentication of REST and gRPC; null: off (every caller is trusted). */
	auth: AuthConfig | null;
	/** Creates per client per window on POST /api/orders; null: no limit. */
	createRateLimit: { limit: number; windowMs: number } | null;
	kafkaSecurity: KafkaSecurity;
	/** Shared key of the transporter's encryption; undefined: packets travel in clear. */
	transitKey: string | undefined;
	/** Test-only fault hook of the listeners (FAULT_INJECTION). */
	faultInjection: "off" | "kill-before-commit";
}

export interface AuthConfig {
	/** HS256 shared secret (AUTH_JWT_SECRET), or the JWKS of an identity provider (AUTH_JWKS_URL). */
	secret?: string;
	jwksUrl?: string;
	issuer?: string;
	audience?: string;
	/** The claim holding the user id (a positive integer). */
	userClaim: string;
}

export type KafkaSaslMechanism = "plain" | "scram-sha-256" | "scram-sha-512";

export interface KafkaSecurity {
	sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
	/** TLS to the brokers; `caFile` replaces the system CAs. */
	ssl?: { caFile?: string };
}

function auth(env: Env): AuthConfig | null {
	const secretKey = readSetting(env, "AUTH_JWT_SECRET");
	const jwksUrl = readSetting(env, "AUTH_JWKS_URL");
	if (secretKey && jwksUrl) throw new ConfigError("AUTH_JWT_SECRET and AUTH_JWKS_URL are invalid together: set one of them");
	if (!secretKey && !jwksUrl) {
		const orphan = (["AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_USER_CLAIM"] as const).find((name) => isSet(env, name));
		if (orphan) throw new ConfigError(`${orphan} is invalid without AUTH_JWT_SECRET or AUTH_JWKS_URL: authentication is off`);
		return null;
	}
	return {
		secret: secretKey,
		jwksUrl,
		issuer: readSetting(env, "AUTH_ISSUER"),
		audience: readSetting(env, "AUTH_AUDIENCE"),
		userClaim: readSetting(env, "AUTH_USER_CLAIM"),
	};
}

function createRateLimit(env: Env): Config["createRateLimit"] {
	const limit = readSetting(env, "RATE_LIMIT_CREATE");
	const windowMs = readSetting(env, "RATE_LIMIT_WINDOW_MS");
	return limit > 0 ? { limit, windowMs } : null;
}

function kafkaSecurity(env: Env): KafkaSecurity {
	const security: KafkaSecurity = {};
	const mechanism = readSetting(env, "KAFKA_SASL_MECHANISM");
	const username = readSetting(env, "KAFKA_SASL_USERNAME");
	const password = readSetting(env, "KAFKA_SASL_PASSWORD");
	if (mechanism) {
		if (!username) throw new ConfigError(`KAFKA_SASL_USERNAME is missing: KAFKA_SASL_MECHANISM="${mechanism}" needs a user`);
		if (!password) throw new ConfigError(`KAFKA_SASL_PASSWORD is missing: KAFKA_SASL_MECHANISM="${mechanism}" needs a password`);
		security.sasl = { mechanism, username, password };
	} else if (username || password) {
		throw new ConfigError("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are invalid without KAFKA_SASL_MECHANISM");
	}
	const caFile = readSetting(env, "KAFKA_SSL_CA_FILE");
	const ssl = readSetting(env, "KAFKA_SSL") === "on";
	if (caFile && !ssl) throw new ConfigError(`KAFKA_SSL_CA_FILE is invalid with KAFKA_SSL="off": set KAFKA_SSL=on`);
	if (ssl) security.ssl = { caFile };
	return security;
}

/** Settings that are each valid but break the service together. */
function checkCombination(cfg: Config): Config {
	const { order, reserve, payment } = cfg.topics;
	if (new Set([order, reserve, payment]).size < 3) {
		throw new ConfigError(`ORDER_TOPIC="${order}", RESERVE_TOPIC="${reserve}", PAYMENT_TOPIC="${payment}" are invalid: each topic needs a name of its own`);
	}
	// One group subscribed to two topics by different members never gets a stable assignment.
	if (cfg.groups.reserve === cfg.groups.payment) {
		throw new ConfigError(`RESERVE_GROUP and PAYMENT_GROUP="${cfg.groups.reserve}" are invalid: each consumed topic needs a consumer group of its own`);
	}
	return cfg;
}

export function loadConfig(env: Env = process.env): Config {
	const read = <N extends Parameters<typeof readSetting>[1]>(name: N) => readSetting(env, name);
	return checkCombination({
		namespace: read("NAMESPACE"),
		databaseUrl: read("DATABASE_URL"),
		redisUrl: read("REDIS_URL"),
		kafkaBrokers: read("KAFKA_BROKERS"),
		kafkaLocalPort: read("KAFKA_LOCAL_PORT"),
		kafkaHomeDir: read("KAFKA_HOME_DIR"),
		port: read("PORT"),
		grpcPort: read("GRPC_PORT"),
		grpcMaxOrders: read("GRPC_MAX_ORDERS"),
		metricsPort: read("METRICS_PORT"),
		metricsEnabled: read("METRICS") === "on",
		tracing: read("TRACING"),
		tracingEndpoint: read("TRACING_ENDPOINT"),
		services: read("SERVICES"),
		nodeId: read("NODE_ID"),
		logLevel: read("LOG_LEVEL"),
		logFormat: read("LOG_FORMAT"),
		topics: { order: read("ORDER_TOPIC"), reserve: read("RESERVE_TOPIC"), payment: read("PAYMENT_TOPIC") },
		groups: { reserve: read("RESERVE_GROUP"), payment: read("PAYMENT_GROUP") },
		consumerStart: read("CONSUMER_START"),
		kafkaPartitions: read("KAFKA_PARTITIONS"),
		outOfOrderWindowMs: read("OUT_OF_ORDER_WINDOW_MS"),
		outboxRetentionMs: read("OUTBOX_RETENTION_MS"),
		appliedKeyRetentionMs: read("APPLIED_KEY_RETENTION_MS"),
		stuckAfterMs: {
			ORDER_CREATED: read("STUCK_AFTER_ORDER_CREATED_MS"),
			RESERVE_CREATED: read("STUCK_AFTER_RESERVE_CREATED_MS"),
			PAYMENT_CREATED: read("STUCK_AFTER_PAYMENT_CREATED_MS"),
		},
		dbPoolMax: read("DB_POOL_MAX"),
		outboxBatchSize: read("OUTBOX_BATCH_SIZE"),
		outboxPollMs: read("OUTBOX_POLL_MS"),
		outboxCleanupMs: read("OUTBOX_CLEANUP_MS"),
		outboxMaxBackoffMs: read("OUTBOX_MAX_BACKOFF_MS"),
		probesEnabled: read("PROBES") === "on",
		probePort: read("PROBE_PORT"),
		auth: auth(env),
		createRateLimit: createRateLimit(env),
		kafkaSecurity: kafkaSecurity(env),
		transitKey: read("TRANSIT_KEY"),
		faultInjection: read("FAULT_INJECTION"),
	});
}

/** The project's own broker's address (127.0.0.1:9092 unless KAFKA_LOCAL_PORT says otherwise). */
export const localKafkaBroker = (cfg: Pick<Config, "kafkaLocalPort">): string => `127.0.0.1:${cfg.kafkaLocalPort}`;

/** The brokers to talk to: KAFKA_BROKERS, or the project's own local broker. */
export const kafkaBrokers = (cfg: Config): string[] => cfg.kafkaBrokers ?? [localKafkaBroker(cfg)];

let cached: Config | undefined;

/** The process-wide configuration (read on first use). */
export function config(): Config {
	cached ??= loadConfig();
	return cached;
}
