/**
 * One declaration per environment variable: its kind (which checks it and
 * says its rule), default, meaning and who reads it. loadConfig reads every
 * setting through this table, and docs/configuration.md is generated from it
 * (`npm run docs:config`), so the two cannot drift apart.
 */
import { join } from "node:path";
import { projectRoot } from "./project-root";
import { ALL_SERVICES, type ServiceName } from "./service-names";
import {
	ConfigError, commaList, directory, existingFile, integer, kafkaName, oneOf, optionalOneOf, optionalText, optionalUrl, password, secret, text, url,
	type Env, type SettingKind,
} from "./setting-kinds";

/** Who reads a setting: services by their slice of wiring/service-settings.ts, the node itself, or a command. */
export type Reader = ServiceName | "every node" | "npm start" | "npm run kafka" | "npm run topics";

export const GROUPS = [
	"Node and cluster",
	"PostgreSQL",
	"Kafka",
	"Kafka topics and consumers",
	"Gateways",
	"Authentication and rate limit",
	"Outbox relay",
	"State and stuck orders",
	"Observability",
	"Test only",
] as const;

export interface Setting<T> {
	group: (typeof GROUPS)[number];
	kind: SettingKind<T>;
	fallback: T;
	/** The default as the docs write it, when the bare value says too little. */
	shown?: string;
	about: string;
	readBy: readonly Reader[];
}

/** The kind alone decides the value's type (a default of "on" stays "on" | "off"). */
const setting = <T>(declared: Omit<Setting<T>, "fallback"> & { fallback: NoInfer<T> }): Setting<T> => declared;

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;
/** HS256 wants a key at least as long as its hash (RFC 7518 3.2): 32 bytes. */
const MIN_JWT_SECRET = 32;
/** The transporter key is stretched to AES-256's 32 bytes; a short one is guessable. */
const MIN_TRANSIT_KEY = 16;
/** pg's sslmode values; any other is a typo that would silently mean "no TLS". */
const SSL_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full", "no-verify"];

const postgresUrl = url(["postgres:", "postgresql:"]);
const databaseUrl: SettingKind<string> = {
	rule: `${postgresUrl.rule}; sslmode one of ${SSL_MODES.join(", ")}`,
	read(env, name, fallback) {
		const value = postgresUrl.read(env, name, fallback);
		const mode = new URL(value).searchParams.get("sslmode");
		if (mode !== null && !SSL_MODES.includes(mode)) {
			throw new ConfigError(`${name} is invalid: sslmode="${mode}", expected one of ${SSL_MODES.join(", ")}`);
		}
		return value;
	},
};

const LISTENERS = ["reserve-listener", "payment-listener"] as const;
/** Every service that talks to Kafka (the api-gateway's health check included). */
const KAFKA_CLIENTS = ["api-gateway", "orders", ...LISTENERS, "outbox-relay"] as const;
/** Every service that talks to PostgreSQL (the api-gateway's health check included). */
const DATABASE_CLIENTS = ["api-gateway", "orders", "state", ...LISTENERS, "outbox-relay", "grpc-gateway"] as const;
const GATEWAYS = ["api-gateway", "grpc-gateway"] as const;
const TOPIC_READERS = ["orders", "state", ...LISTENERS] as const;
const OWN_BROKER = ["npm start", "npm run kafka"] as const;

const stuckAfter = (state: string, fallback: number, shown: string, about: string) =>
	setting({ group: "State and stuck orders", kind: integer(1_000, 30 * DAY_MS), fallback, shown, about: `an order in ${state} longer than this ${about}`, readBy: ["orders"] });

export const SETTINGS = {
	NAMESPACE: setting({ group: "Node and cluster", kind: text, fallback: "orders", about: "Moleculer namespace: nodes with the same namespace on the same Redis form one cluster", readBy: ["every node"] }),
	SERVICES: setting({
		group: "Node and cluster",
		kind: commaList<ServiceName[]>("service", `comma list of ${ALL_SERVICES.join(", ")}`, (name) => ((ALL_SERVICES as readonly string[]).includes(name) ? undefined : `unknown service "${name}" (known: ${ALL_SERVICES.join(", ")})`), true),
		fallback: [...ALL_SERVICES],
		shown: "all seven",
		about: "the services this node runs (each once)",
		readBy: ["every node"],
	}),
	NODE_ID: setting({ group: "Node and cluster", kind: optionalText, fallback: undefined, shown: "host name and pid", about: "Moleculer node id", readBy: ["every node"] }),
	REDIS_URL: setting({ group: "Node and cluster", kind: url(["redis:", "rediss:"]), fallback: "redis://127.0.0.1:6379", about: "Redis: Moleculer transporter and cache (`redis://[user]:password@host:port`, `rediss://` for TLS)", readBy: ["every node"] }),
	TRANSIT_KEY: setting({ group: "Node and cluster", kind: secret(MIN_TRANSIT_KEY), fallback: undefined, about: "a shared key that encrypts every packet between nodes ([security](security.md))", readBy: ["every node"] }),
	DATABASE_URL: setting({
		group: "PostgreSQL",
		kind: databaseUrl,
		fallback: "postgres://postgres@127.0.0.1:5432/orders",
		about: "PostgreSQL, user and password in the URL; `npm start` creates it when missing and migrates it; a production node only checks that it is migrated ([operations](operations.md))",
		readBy: [...DATABASE_CLIENTS, "npm start"],
	}),
	DB_POOL_MAX: setting({ group: "PostgreSQL", kind: integer(1, 200), fallback: 10, about: "connections the node's one database pool may open, shared by all the node's services; an outbox relay on the node adds its own 2 to it and holds 2 sessions beside it (see [connections per node](operations.md#connections-per-node))", readBy: ["api-gateway", "orders", "state", ...LISTENERS] }),
	KAFKA_BROKERS: setting({
		group: "Kafka",
		kind: commaList<string[] | null>("broker", "comma list of host:port", (broker) => (/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(broker) ? undefined : `"${broker}" is not host:port`)),
		fallback: null,
		about: "the brokers. Unset: the project starts its own broker (below); set: that broker is used and no local one is started",
		readBy: [...KAFKA_CLIENTS, ...OWN_BROKER, "npm run topics"],
	}),
	KAFKA_LOCAL_PORT: setting({ group: "Kafka", kind: integer(1, 65534), fallback: 9092, about: "port of the project's own broker on 127.0.0.1 when `KAFKA_BROKERS` is unset; its KRaft controller listens on this port + 1", readBy: [...KAFKA_CLIENTS, ...OWN_BROKER, "npm run topics"] }),
	KAFKA_HOME_DIR: setting({
		group: "Kafka",
		kind: directory,
		fallback: join(projectRoot(), ".kafka"),
		shown: "`<repo>/.kafka`",
		about: "where the project's own broker keeps its data, pid file and `broker.log` (a relative path counts from the working directory). The jars stay cached in `<repo>/.kafka/lib-*` whatever this says",
		readBy: OWN_BROKER,
	}),
	KAFKA_PARTITIONS: setting({ group: "Kafka", kind: integer(1, 1000), fallback: 3, about: "partitions of the topics created at start (`npm start`, `npm run kafka`, `npm run topics`)", readBy: [...OWN_BROKER, "npm run topics"] }),
	KAFKA_SASL_MECHANISM: setting({ group: "Kafka", kind: optionalOneOf(["plain", "scram-sha-256", "scram-sha-512"] as const), fallback: undefined, about: "SASL to the brokers; needs `KAFKA_SASL_USERNAME` and `KAFKA_SASL_PASSWORD`", readBy: [...KAFKA_CLIENTS, "npm run kafka"] }),
	KAFKA_SASL_USERNAME: setting({ group: "Kafka", kind: optionalText, fallback: undefined, about: "the SASL user (only with `KAFKA_SASL_MECHANISM`)", readBy: [...KAFKA_CLIENTS, "npm run kafka"] }),
	KAFKA_SASL_PASSWORD: setting({ group: "Kafka", kind: password, fallback: undefined, about: "the SASL password (only with `KAFKA_SASL_MECHANISM`)", readBy: [...KAFKA_CLIENTS, "npm run kafka"] }),
	KAFKA_SSL: setting({ group: "Kafka", kind: oneOf(["on", "off"] as const), fallback: "off", about: "`on`: TLS to the brokers, checked against the system CAs", readBy: [...KAFKA_CLIENTS, "npm run kafka"] }),
	KAFKA_SSL_CA_FILE: setting({ group: "Kafka", kind: existingFile, fallback: undefined, about: "a PEM file of CAs that replaces the system CAs (needs `KAFKA_SSL=on`)", readBy: [...KAFKA_CLIENTS, "npm run kafka"] }),
	ORDER_TOPIC: setting({ group: "Kafka topics and consumers", kind: kafkaName("topic"), fallback: "order", about: "topic of the orders the service publishes (dead letters go to `<topic>.dlq`)", readBy: ["orders", "outbox-relay"] }),
	RESERVE_TOPIC: setting({ group: "Kafka topics and consumers", kind: kafkaName("topic"), fallback: "reserve", about: "topic of the products service's reserve answers", readBy: TOPIC_READERS }),
	PAYMENT_TOPIC: setting({ group: "Kafka topics and consumers", kind: kafkaName("topic"), fallback: "payment", about: "topic of the payment service's answers", readBy: TOPIC_READERS }),
	RESERVE_GROUP: setting({ group: "Kafka topics and consumers", kind: kafkaName("consumer group"), fallback: "orders-reserve", about: "consumer group of the reserve topic", readBy: ["orders", ...LISTENERS] }),
	PAYMENT_GROUP: setting({ group: "Kafka topics and consumers", kind: kafkaName("consumer group"), fallback: "orders-payment", about: "consumer group of the payment topic", readBy: ["orders", ...LISTENERS] }),
	CONSUMER_START: setting({
		group: "Kafka topics and consumers",
		kind: oneOf(["earliest", "latest"] as const),
		fallback: "earliest",
		about: "where a consumer group with no committed offset starts: `earliest` (the topic's first message) or `latest` (only new messages; for a switch from another system, see [replacing-go-service.md](replacing-go-service.md))",
		readBy: LISTENERS,
	}),
	OUT_OF_ORDER_WINDOW_MS: setting({
		group: "Kafka topics and consumers",
		kind: integer(0, 7 * DAY_MS),
		fallback: 60_000,
		about: "how far past an early message's parking the consumers of its predecessor must have read, on every partition, before it is dead-lettered `out_of_order` (a listener's lag never counts: [kafka-behaviour](kafka-behaviour.md#the-out-of-order-window-lag-is-not-loss))",
		readBy: LISTENERS,
	}),
	PORT: setting({ group: "Gateways", kind: integer(1, 65535), fallback: 3000, about: "REST port of the api-gateway", readBy: ["api-gateway"] }),
	GRPC_PORT: setting({ group: "Gateways", kind: integer(0, 65535), fallback: 8081, about: "gRPC port of the grpc-gateway (the Go service's `SERVER_GRPC_ADDR`, see [grpc.md](grpc.md)); `0` lets the system pick a free one (the tests do), logged at start", readBy: ["grpc-gateway"] }),
	GRPC_MAX_ORDERS: setting({ group: "Gateways", kind: integer(1, 1_000_000), fallback: 10_000, about: "most orders `GetOrders` answers in one reply; past it RESOURCE_EXHAUSTED", readBy: ["grpc-gateway"] }),
	AUTH_JWT_SECRET: setting({ group: "Authentication and rate limit", kind: secret(MIN_JWT_SECRET), fallback: undefined, about: "turns on bearer-token authentication with this HS256 shared secret ([security](security.md))", readBy: GATEWAYS }),
	AUTH_JWKS_URL: setting({ group: "Authentication and rate limit", kind: optionalUrl(["http:", "https:"]), fallback: undefined, about: "turns on authentication with an identity provider's keys (`…/jwks.json`; RS*, PS*, ES*, EdDSA). Set only one of `AUTH_JWT_SECRET` and `AUTH_JWKS_URL`", readBy: GATEWAYS }),
	AUTH_ISSUER: setting({ group: "Authentication and rate limit", kind: optionalText, fallback: undefined, about: "when set, a token's `iss` must match (only with authentication on)", readBy: GATEWAYS }),
	AUTH_AUDIENCE: setting({ group: "Authentication and rate limit", kind: optionalText, fallback: undefined, about: "when set, a token's `aud` must match (only with authentication on)", readBy: GATEWAYS }),
	AUTH_USER_CLAIM: setting({ group: "Authentication and rate limit", kind: text, fallback: "sub", about: "the claim that holds the user id: a non-zero integer, negative for a Telegram group chat (a JSON number or a decimal string)", readBy: GATEWAYS }),
	RATE_LIMIT_CREATE: setting({ group: "Authentication and rate limit", kind: integer(0, 1_000_000), fallback: 0, shown: "`0` (off)", about: "how many `POST /api/orders` one client may send per window", readBy: ["api-gateway"] }),
	RATE_LIMIT_WINDOW_MS: setting({ group: "Authentication and rate limit", kind: integer(1_000, DAY_MS), fallback: 60_000, about: "the length of the create limit's window", readBy: ["api-gateway"] }),
	OUTBOX_RETENTION_MS: setting({ group: "Outbox relay", kind: integer(0, 365 * DAY_MS), fallback: DAY_MS, shown: "`86400000` (1 day)", about: "sent outbox rows older than this are deleted", readBy: ["outbox-relay"] }),
	OUTBOX_BATCH_SIZE: setting({ group: "Outbox relay", kind: integer(1, 10_000), fallback: 1000, about: "outbox rows one relay reads and publishes per batch (one Kafka send)", readBy: ["outbox-relay"] }),
	OUTBOX_POLL_MS: setting({ group: "Outbox relay", kind: integer(10, DAY_MS), fallback: 5_000, about: "the relay's fallback poll (LISTEN/NOTIFY wakes it at once otherwise)", readBy: ["outbox-relay"] }),
	OUTBOX_CLEANUP_MS: setting({ group: "Outbox relay", kind: integer(10, DAY_MS), fallback: 60_000, about: "how often the relay deletes old sent rows", readBy: ["outbox-relay"] }),
	OUTBOX_MAX_BACKOFF_MS: setting({ group: "Outbox relay", kind: integer(10, 600_000), fallback: 5_000, about: "upper bound of the relay's backoff while Kafka or PostgreSQL is down", readBy: ["outbox-relay"] }),
	APPLIED_KEY_RETENTION_MS: setting({ group: "State and stuck orders", kind: integer(0, 365 * DAY_MS), fallback: 7 * DAY_MS, shown: "`604800000` (7 days)", about: "how long applied message keys are kept for deduplication", readBy: ["state"] }),
	// The products service's reserve answer, then the payment service's two answers.
	STUCK_AFTER_ORDER_CREATED_MS: stuckAfter("ORDER_CREATED", 2 * MINUTE_MS, "`120000` (2 min)", "(no reserve answer from the products service) is stuck ([stuck-orders.md](stuck-orders.md))"),
	STUCK_AFTER_RESERVE_CREATED_MS: stuckAfter("RESERVE_CREATED", 5 * MINUTE_MS, "`300000` (5 min)", "(waiting for the payment service) is stuck"),
	STUCK_AFTER_PAYMENT_CREATED_MS: stuckAfter("PAYMENT_CREATED", 15 * MINUTE_MS, "`900000` (15 min)", "(waiting for the payment to complete or fail) is stuck. The stuck monitor looks every quarter of the shortest of the three, between 250 ms and 15 s"),
	METRICS: setting({ group: "Observability", kind: oneOf(["on", "off"] as const), fallback: "on", about: "Prometheus metrics", readBy: ["every node"] }),
	METRICS_PORT: setting({ group: "Observability", kind: integer(1, 65535), fallback: 3030, about: "Prometheus `/metrics` port", readBy: ["every node"] }),
	PROBES: setting({ group: "Observability", kind: oneOf(["on", "off"] as const), fallback: "on", about: "liveness and readiness probes", readBy: ["every node"] }),
	PROBE_PORT: setting({ group: "Observability", kind: integer(1, 65535), fallback: 3031, about: "port of `GET /live` and `GET /ready`", readBy: ["every node"] }),
	LOG_LEVEL: setting({ group: "Observability", kind: oneOf(["fatal", "error", "warn", "info", "debug", "trace"] as const, true), fallback: "info", about: "the log level (`DEBUG` works too)", readBy: ["every node"] }),
	LOG_FORMAT: setting({ group: "Observability", kind: oneOf(["full", "json"] as const), fallback: "full", about: "log lines: `full` is coloured for a terminal, `json` one object a line for a collector", readBy: ["every node"] }),
	TRACING: setting({ group: "Observability", kind: oneOf(["off", "console", "event", "zipkin"] as const), fallback: "off", about: "the span exporter; `event` emits spans as `$tracing.spans` events (see [operations](operations.md#tracing))", readBy: ["every node"] }),
	TRACING_ENDPOINT: setting({ group: "Observability", kind: optionalText, fallback: undefined, shown: "the exporter's local default", about: "collector URL for `zipkin` (Zipkin, or Jaeger's Zipkin-compatible collector)", readBy: ["every node"] }),
	FAULT_INJECTION: setting({
		group: "Test only",
		kind: oneOf(["off", "kill-before-commit"] as const),
		fallback: "off",
		about: "`kill-before-commit` makes a listener SIGKILL its own process after a batch's effects are durable and before its offset is committed (the crash test's one window that timing cannot hit); never set it in production",
		readBy: LISTENERS,
	}),
};

export type SettingName = keyof typeof SETTINGS;
type ValueOf<N extends SettingName> = (typeof SETTINGS)[N] extends Setting<infer T> ? T : never;

/** The value of setting `name` in `env`, checked by its declaration. */
export function readSetting<N extends SettingName>(env: Env, name: N): ValueOf<N> {
	const declared = SETTINGS[name] as Setting<ValueOf<N>>;
	return declared.kind.read(env, name, declared.fallback);
}

/** True when the variable is set to something other than blanks. */
export const isSet = (env: Env, name: SettingName): boolean => Boolean(env[name]?.trim());
