/**
 * Every setting of the service, read once from the environment.
 * Defaults run on a local machine; a bad value throws a ConfigError whose
 * message is the one line start-up prints before it exits.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { projectRoot } from "./project-root";
import { redactUrl } from "./redact";
import type { StuckDeadlines } from "../../../domain/stuck-orders";

export const ALL_SERVICES = [
	"api-gateway",
	"orders",
	"state",
	"reserve-listener",
	"payment-listener",
	"outbox-relay",
	"grpc-gateway",
] as const;
export type ServiceName = (typeof ALL_SERVICES)[number];

/** The project's own broker keeps its data here unless KAFKA_HOME_DIR says otherwise. */
const DEFAULT_KAFKA_HOME = join(projectRoot(), ".kafka");

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
	/** Outbox rows one relay claims and publishes per transaction. */
	outboxBatchSize: number;
	/** Fallback poll of the relay; LISTEN/NOTIFY wakes it at once otherwise. */
	outboxPollMs: number;
	/** How often the relay deletes sent rows older than outboxRetentionMs. */
	outboxCleanupMs: number;
	/** Upper bound of the relay's exponential backoff while Kafka or PostgreSQL is down. */
	outboxMaxBackoffMs: number;
	/** Liveness and readiness (GET /live, GET /ready) for an orchestrator, on their own port (bin/start.ts). */
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

export class ConfigError extends Error {
	override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string, fallback: string): string {
	const value = env[name]?.trim();
	return value ? value : fallback;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
	const raw = env[name]?.trim();
	if (!raw) return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < min || value > max) {
		throw new ConfigError(`${name}="${raw}" is invalid: expected an integer from ${min} to ${max}`);
	}
	return value;
}

/** The URL's password never reaches the message: the error line is printed and logged. */
function url(env: Env, name: string, fallback: string, protocols: string[]): string {
	const value = text(env, name, fallback);
	let parsed: URL;
	try {
		parsed = new URL(value);
	} catch {
		throw new ConfigError(`${name}="${redactUrl(value)}" is invalid: not a URL`);
	}
	if (!protocols.includes(parsed.protocol)) {
		throw new ConfigError(`${name}="${redactUrl(value)}" is invalid: expected a ${protocols.join(" or ")}// URL`);
	}
	return value;
}

/** One of `allowed`; with `anyCase`, in any letter case ("DEBUG", as the Go service wrote LOG_LEVEL). */
function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[], anyCase = false): T {
	const raw = text(env, name, fallback);
	const value = anyCase ? raw.toLowerCase() : raw;
	if (!(allowed as readonly string[]).includes(value)) {
		throw new ConfigError(`${name}="${raw}" is invalid: expected one of ${allowed.join(", ")}${anyCase ? " (any letter case)" : ""}`);
	}
	return value as T;
}

function brokers(env: Env): string[] | null {
	const raw = env.KAFKA_BROKERS?.trim();
	if (!raw) return null;
	const list = raw.split(",").map((b) => b.trim()).filter(Boolean);
	for (const broker of list) {
		if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(broker)) {
			throw new ConfigError(`KAFKA_BROKERS="${raw}" is invalid: "${broker}" is not host:port`);
		}
	}
	if (list.length === 0) throw new ConfigError(`KAFKA_BROKERS="${raw}" is invalid: no broker named`);
	return list;
}

function services(env: Env): ServiceName[] {
	const raw = env.SERVICES?.trim();
	if (!raw) return [...ALL_SERVICES];
	const list = raw.split(",").map((s) => s.trim()).filter(Boolean);
	for (const name of list) {
		if (!(ALL_SERVICES as readonly string[]).includes(name)) {
			throw new ConfigError(`SERVICES="${raw}" is invalid: unknown service "${name}" (known: ${ALL_SERVICES.join(", ")})`);
		}
	}
	if (list.length === 0) throw new ConfigError(`SERVICES="${raw}" is invalid: no service named`);
	return [...new Set(list)] as ServiceName[];
}

/** A Kafka topic or consumer group name: `what` says which in the error. */
function kafkaName(env: Env, name: string, fallback: string, what: "topic" | "consumer group"): string {
	const value = text(env, name, fallback);
	if (!/^[A-Za-z0-9._-]{1,200}$/.test(value)) {
		throw new ConfigError(`${name}="${value}" is invalid: a Kafka ${what} name uses letters, digits, ".", "_" and "-"`);
	}
	return value;
}

const topic = (env: Env, name: string, fallback: string) => kafkaName(env, name, fallback, "topic");

/** A directory (created on use); a relative path counts from the working directory. */
function directory(env: Env, name: string, fallback: string): string {
	const value = resolve(text(env, name, fallback));
	if (existsSync(value) && !statSync(value).isDirectory()) {
		throw new ConfigError(`${name}="${env[name]}" is invalid: ${value} exists and is not a directory`);
	}
	return value;
}

/** A setting that is a secret: never echoed in an error. */
function secret(env: Env, name: string, minLength: number): string | undefined {
	const value = env[name]?.trim();
	if (!value) return undefined;
	if (value.length < minLength) throw new ConfigError(`${name} is invalid: expected at least ${minLength} characters`);
	return value;
}

/** A file that must exist (a CA certificate, ...). */
function existingFile(env: Env, name: string): string | undefined {
	const raw = env[name]?.trim();
	if (!raw) return undefined;
	const value = resolve(raw);
	if (!existsSync(value) || !statSync(value).isFile()) throw new ConfigError(`${name}="${raw}" is invalid: no such file`);
	return value;
}

/** HS256 wants a key at least as long as its hash (RFC 7518 3.2): 32 bytes. */
const MIN_JWT_SECRET = 32;
/** The transporter key is stretched to AES-256's 32 bytes; a short one is guessable. */
const MIN_TRANSIT_KEY = 16;

function auth(env: Env): AuthConfig | null {
	const secretKey = secret(env, "AUTH_JWT_SECRET", MIN_JWT_SECRET);
	const jwksUrl = env.AUTH_JWKS_URL?.trim() ? url(env, "AUTH_JWKS_URL", "", ["http:", "https:"]) : undefined;
	if (secretKey && jwksUrl) throw new ConfigError("AUTH_JWT_SECRET and AUTH_JWKS_URL are invalid together: set one of them");
	if (!secretKey && !jwksUrl) {
		const orphan = ["AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_USER_CLAIM"].find((name) => env[name]?.trim());
		if (orphan) throw new ConfigError(`${orphan} is invalid without AUTH_JWT_SECRET or AUTH_JWKS_URL: authentication is off`);
		return null;
	}
	return {
		secret: secretKey,
		jwksUrl,
		issuer: env.AUTH_ISSUER?.trim() || undefined,
		audience: env.AUTH_AUDIENCE?.trim() || undefined,
		userClaim: text(env, "AUTH_USER_CLAIM", "sub"),
	};
}

function createRateLimit(env: Env): Config["createRateLimit"] {
	const limit = integer(env, "RATE_LIMIT_CREATE", 0, 0, 1_000_000);
	const windowMs = integer(env, "RATE_LIMIT_WINDOW_MS", 60_000, 1_000, DAY_MS);
	return limit > 0 ? { limit, windowMs } : null;
}

function kafkaSecurity(env: Env): KafkaSecurity {
	const security: KafkaSecurity = {};
	const mechanism = env.KAFKA_SASL_MECHANISM?.trim();
	if (mechanism) {
		const checked = oneOf(env, "KAFKA_SASL_MECHANISM", "plain", ["plain", "scram-sha-256", "scram-sha-512"] as const);
		const username = env.KAFKA_SASL_USERNAME?.trim();
		const password = env.KAFKA_SASL_PASSWORD;
		if (!username) throw new ConfigError(`KAFKA_SASL_USERNAME is missing: KAFKA_SASL_MECHANISM="${mechanism}" needs a user`);
		if (!password) throw new ConfigError(`KAFKA_SASL_PASSWORD is missing: KAFKA_SASL_MECHANISM="${mechanism}" needs a password`);
		security.sasl = { mechanism: checked, username, password };
	} else if (env.KAFKA_SASL_USERNAME?.trim() || env.KAFKA_SASL_PASSWORD) {
		throw new ConfigError("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are invalid without KAFKA_SASL_MECHANISM");
	}
	const caFile = existingFile(env, "KAFKA_SSL_CA_FILE");
	const ssl = oneOf(env, "KAFKA_SSL", "off", ["on", "off"] as const) === "on";
	if (caFile && !ssl) throw new ConfigError(`KAFKA_SSL_CA_FILE is invalid with KAFKA_SSL="off": set KAFKA_SSL=on`);
	if (ssl) security.ssl = { caFile };
	return security;
}

/** pg's sslmode values; any other is a typo that would silently mean "no TLS". */
const SSL_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full", "no-verify"];

function databaseUrl(env: Env): string {
	const value = url(env, "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/orders", ["postgres:", "postgresql:"]);
	const mode = new URL(value).searchParams.get("sslmode");
	if (mode !== null && !SSL_MODES.includes(mode)) {
		throw new ConfigError(`DATABASE_URL is invalid: sslmode="${mode}", expected one of ${SSL_MODES.join(", ")}`);
	}
	return value;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

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
	return checkCombination({
		namespace: text(env, "NAMESPACE", "orders"),
		databaseUrl: databaseUrl(env),
		redisUrl: url(env, "REDIS_URL", "redis://127.0.0.1:6379", ["redis:", "rediss:"]),
		kafkaBrokers: brokers(env),
		kafkaLocalPort: integer(env, "KAFKA_LOCAL_PORT", 9092, 1, 65534),
		kafkaHomeDir: directory(env, "KAFKA_HOME_DIR", DEFAULT_KAFKA_HOME),
		port: integer(env, "PORT", 3000, 1, 65535),
		grpcPort: integer(env, "GRPC_PORT", 8081, 0, 65535),
		grpcMaxOrders: integer(env, "GRPC_MAX_ORDERS", 10_000, 1, 1_000_000),
		metricsPort: integer(env, "METRICS_PORT", 3030, 1, 65535),
		metricsEnabled: oneOf(env, "METRICS", "on", ["on", "off"] as const) === "on",
		tracing: oneOf(env, "TRACING", "off", ["off", "console", "event", "zipkin"] as const),
		tracingEndpoint: env.TRACING_ENDPOINT?.trim() || undefined,
		services: services(env),
		nodeId: env.NODE_ID?.trim() || undefined,
		logLevel: oneOf(env, "LOG_LEVEL", "info", ["fatal", "error", "warn", "info", "debug", "trace"] as const, true),
		logFormat: oneOf(env, "LOG_FORMAT", "full", ["full", "json"] as const),
		topics: {
			order: topic(env, "ORDER_TOPIC", "order"),
			reserve: topic(env, "RESERVE_TOPIC", "reserve"),
			payment: topic(env, "PAYMENT_TOPIC", "payment"),
		},
		groups: {
			reserve: kafkaName(env, "RESERVE_GROUP", "orders-reserve", "consumer group"),
			payment: kafkaName(env, "PAYMENT_GROUP", "orders-payment", "consumer group"),
		},
		consumerStart: oneOf(env, "CONSUMER_START", "earliest", ["earliest", "latest"] as const),
		kafkaPartitions: integer(env, "KAFKA_PARTITIONS", 3, 1, 1000),
		outOfOrderWindowMs: integer(env, "OUT_OF_ORDER_WINDOW_MS", 60_000, 0, 7 * DAY_MS),
		outboxRetentionMs: integer(env, "OUTBOX_RETENTION_MS", DAY_MS, 0, 365 * DAY_MS),
		appliedKeyRetentionMs: integer(env, "APPLIED_KEY_RETENTION_MS", 7 * DAY_MS, 0, 365 * DAY_MS),
		stuckAfterMs: {
			// The products service's reserve answer, then the payment service's two answers.
			ORDER_CREATED: integer(env, "STUCK_AFTER_ORDER_CREATED_MS", 2 * MINUTE_MS, 1_000, 30 * DAY_MS),
			RESERVE_CREATED: integer(env, "STUCK_AFTER_RESERVE_CREATED_MS", 5 * MINUTE_MS, 1_000, 30 * DAY_MS),
			PAYMENT_CREATED: integer(env, "STUCK_AFTER_PAYMENT_CREATED_MS", 15 * MINUTE_MS, 1_000, 30 * DAY_MS),
		},
		dbPoolMax: integer(env, "DB_POOL_MAX", 10, 1, 200),
		outboxBatchSize: integer(env, "OUTBOX_BATCH_SIZE", 1000, 1, 10_000),
		outboxPollMs: integer(env, "OUTBOX_POLL_MS", 5_000, 10, DAY_MS),
		outboxCleanupMs: integer(env, "OUTBOX_CLEANUP_MS", 60_000, 10, DAY_MS),
		outboxMaxBackoffMs: integer(env, "OUTBOX_MAX_BACKOFF_MS", 5_000, 10, 600_000),
		probesEnabled: oneOf(env, "PROBES", "on", ["on", "off"] as const) === "on",
		probePort: integer(env, "PROBE_PORT", 3031, 1, 65535),
		auth: auth(env),
		createRateLimit: createRateLimit(env),
		kafkaSecurity: kafkaSecurity(env),
		transitKey: secret(env, "TRANSIT_KEY", MIN_TRANSIT_KEY),
		faultInjection: oneOf(env, "FAULT_INJECTION", "off", ["off", "kill-before-commit"] as const),
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
