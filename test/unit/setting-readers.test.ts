/**
 * The "read by" of each setting's declaration is what wiring/service-settings.ts
 * does: changing the variable changes the settings of exactly those services.
 * Settings of `every node` are read by the node itself (moleculer.config.ts).
 */
import { join } from "node:path";
import { ALL_SERVICES, loadConfig, type ServiceName } from "../../lib/platform/config/config";
import { SETTINGS, type SettingName } from "../../lib/platform/config/settings";
import type { Env } from "../../lib/platform/config/setting-kinds";
import { serviceSettings } from "../../wiring/service-settings";

/** Authentication, the create limit, SASL and TLS on, so their companions count. */
const BASE: Env = {
	AUTH_JWT_SECRET: "a".repeat(32),
	RATE_LIMIT_CREATE: "5",
	KAFKA_SASL_MECHANISM: "plain",
	KAFKA_SASL_USERNAME: "user",
	KAFKA_SASL_PASSWORD: "password",
	KAFKA_SSL: "on",
};

/** A value other than BASE's for each setting not read by every node (more variables where one needs another). */
const CHANGES: Partial<Record<SettingName, Env>> = {
	DATABASE_URL: { DATABASE_URL: "postgres://db:5432/other" },
	DB_POOL_MAX: { DB_POOL_MAX: "20" },
	KAFKA_BROKERS: { KAFKA_BROKERS: "kafka:9092" },
	KAFKA_LOCAL_PORT: { KAFKA_LOCAL_PORT: "19092" },
	KAFKA_HOME_DIR: { KAFKA_HOME_DIR: join(__dirname, "no-such-kafka-home") },
	KAFKA_PARTITIONS: { KAFKA_PARTITIONS: "6" },
	KAFKA_SASL_MECHANISM: { KAFKA_SASL_MECHANISM: "scram-sha-512" },
	KAFKA_SASL_USERNAME: { KAFKA_SASL_USERNAME: "other" },
	KAFKA_SASL_PASSWORD: { KAFKA_SASL_PASSWORD: "other" },
	KAFKA_SSL: { KAFKA_SSL: "off" },
	KAFKA_SSL_CA_FILE: { KAFKA_SSL_CA_FILE: join(__dirname, "..", "..", "package.json") },
	ORDER_TOPIC: { ORDER_TOPIC: "order2" },
	RESERVE_TOPIC: { RESERVE_TOPIC: "reserve2" },
	PAYMENT_TOPIC: { PAYMENT_TOPIC: "payment2" },
	RESERVE_GROUP: { RESERVE_GROUP: "group2" },
	PAYMENT_GROUP: { PAYMENT_GROUP: "group3" },
	CONSUMER_START: { CONSUMER_START: "latest" },
	OUT_OF_ORDER_WINDOW_MS: { OUT_OF_ORDER_WINDOW_MS: "1000" },
	PORT: { PORT: "3999" },
	GRPC_PORT: { GRPC_PORT: "0" },
	GRPC_MAX_ORDERS: { GRPC_MAX_ORDERS: "5" },
	AUTH_JWT_SECRET: { AUTH_JWT_SECRET: "b".repeat(32) },
	AUTH_JWKS_URL: { AUTH_JWT_SECRET: "", AUTH_JWKS_URL: "https://idp.example/jwks.json" },
	AUTH_ISSUER: { AUTH_ISSUER: "issuer" },
	AUTH_AUDIENCE: { AUTH_AUDIENCE: "audience" },
	AUTH_USER_CLAIM: { AUTH_USER_CLAIM: "uid" },
	RATE_LIMIT_CREATE: { RATE_LIMIT_CREATE: "6" },
	RATE_LIMIT_WINDOW_MS: { RATE_LIMIT_WINDOW_MS: "2000" },
	OUTBOX_RETENTION_MS: { OUTBOX_RETENTION_MS: "1000" },
	OUTBOX_BATCH_SIZE: { OUTBOX_BATCH_SIZE: "10" },
	OUTBOX_POLL_MS: { OUTBOX_POLL_MS: "100" },
	OUTBOX_CLEANUP_MS: { OUTBOX_CLEANUP_MS: "100" },
	OUTBOX_MAX_BACKOFF_MS: { OUTBOX_MAX_BACKOFF_MS: "100" },
	APPLIED_KEY_RETENTION_MS: { APPLIED_KEY_RETENTION_MS: "1000" },
	STUCK_AFTER_ORDER_CREATED_MS: { STUCK_AFTER_ORDER_CREATED_MS: "1000" },
	STUCK_AFTER_RESERVE_CREATED_MS: { STUCK_AFTER_RESERVE_CREATED_MS: "1000" },
	STUCK_AFTER_PAYMENT_CREATED_MS: { STUCK_AFTER_PAYMENT_CREATED_MS: "1000" },
	FAULT_INJECTION: { FAULT_INJECTION: "kill-before-commit" },
};

const slices = (env: Env): Record<string, string> =>
	Object.fromEntries(Object.entries(serviceSettings(loadConfig(env))).map(([name, slice]) => [name, JSON.stringify(slice)]));

/** The services whose settings change when `change` is laid over BASE. */
function servicesReading(change: Env): ServiceName[] {
	const before = slices(BASE);
	const after = slices({ ...BASE, ...change });
	return ALL_SERVICES.filter((name) => before[name] !== after[name]);
}

const declared = Object.entries(SETTINGS).filter(([, s]) => !(s.readBy as readonly string[]).includes("every node"));

describe("the services that read a setting", () => {
	it("has a changed value for every setting not read by every node", () => {
		expect(declared.map(([name]) => name).filter((name) => !(name in CHANGES))).toEqual([]);
	});

	it.each(declared)("%s: the declared services are those whose settings change with it", (name, setting) => {
		const services = (setting.readBy as readonly string[]).filter((reader) => (ALL_SERVICES as readonly string[]).includes(reader));
		expect(servicesReading(CHANGES[name as SettingName] ?? {})).toEqual(services);
	});
});
