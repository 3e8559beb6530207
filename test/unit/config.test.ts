import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ALL_SERVICES, ConfigError, kafkaBrokers, loadConfig } from "../../lib/platform/config/config";
import { kafkaAccess } from "../../lib/platform/clients/kafka";
import { localSite } from "../../dev/kafka-local";

describe("configuration defaults", () => {
	const cfg = loadConfig({});

	it("serve a local machine as docs/configuration.md says", () => {
		expect(cfg).toMatchObject({
			namespace: "orders",
			databaseUrl: "postgres://postgres@127.0.0.1:5432/orders",
			redisUrl: "redis://127.0.0.1:6379",
			kafkaBrokers: null,
			kafkaLocalPort: 9092,
			kafkaHomeDir: resolve(__dirname, "..", "..", ".kafka"),
			port: 3000,
			metricsPort: 3030,
			metricsEnabled: true,
			services: [...ALL_SERVICES],
			topics: { order: "order", reserve: "reserve", payment: "payment" },
			kafkaPartitions: 3,
			outOfOrderWindowMs: 60_000,
			grpcPort: 8081,
			grpcMaxOrders: 10_000,
			consumerStart: "earliest",
			logLevel: "info",
			stuckAfterMs: { ORDER_CREATED: 120_000, RESERVE_CREATED: 300_000, PAYMENT_CREATED: 900_000 },
		});
	});

	it("run the project's own broker on 127.0.0.1:9092 (controller 9093) when KAFKA_BROKERS is unset", () => {
		expect(kafkaBrokers(cfg)).toEqual(["127.0.0.1:9092"]);
		expect(localSite(cfg)).toEqual({ broker: "127.0.0.1:9092", controller: "127.0.0.1:9093", home: cfg.kafkaHomeDir });
	});
});

describe("configuration from the environment", () => {
	it("KAFKA_BROKERS names the brokers, and no local one is run", () => {
		const cfg = loadConfig({ KAFKA_BROKERS: "kafka:9092, 10.0.0.2:19092" });
		expect(cfg.kafkaBrokers).toEqual(["kafka:9092", "10.0.0.2:19092"]);
		expect(kafkaBrokers(cfg)).toEqual(["kafka:9092", "10.0.0.2:19092"]);
	});

	it("KAFKA_LOCAL_PORT and KAFKA_HOME_DIR move the project's own broker", () => {
		const home = join(tmpdir(), "kafka-home-not-created-yet");
		const cfg = loadConfig({ KAFKA_LOCAL_PORT: "29092", KAFKA_HOME_DIR: home });
		expect(kafkaBrokers(cfg)).toEqual(["127.0.0.1:29092"]);
		expect(localSite(cfg)).toEqual({ broker: "127.0.0.1:29092", controller: "127.0.0.1:29093", home });
	});

	it("SERVICES picks the services of this node, once each", () => {
		expect(loadConfig({ SERVICES: "outbox-relay, api-gateway,outbox-relay" }).services).toEqual(["outbox-relay", "api-gateway"]);
	});

	it("runs grpc-gateway among every service, and alone when SERVICES names it", () => {
		expect(ALL_SERVICES).toContain("grpc-gateway");
		expect(loadConfig({ SERVICES: "grpc-gateway" }).services).toEqual(["grpc-gateway"]);
	});

	it("GRPC_PORT, GRPC_MAX_ORDERS and CONSUMER_START are read", () => {
		const cfg = loadConfig({ GRPC_PORT: "9081", GRPC_MAX_ORDERS: "25", CONSUMER_START: "latest" });
		expect(cfg).toMatchObject({ grpcPort: 9081, grpcMaxOrders: 25, consumerStart: "latest" });
		expect(loadConfig({ GRPC_PORT: "0" }).grpcPort).toBe(0); // a free port the system picks
	});

	it.each(["DEBUG", "Warn", " error "])("accepts LOG_LEVEL=%j in any letter case (the Go service wrote it upper case)", (level) => {
		expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level.trim().toLowerCase());
	});

	it("accepts postgresql:// and rediss:// URLs", () => {
		const cfg = loadConfig({ DATABASE_URL: "postgresql://u:p@db:5432/o", REDIS_URL: "rediss://cache:6380" });
		expect(cfg).toMatchObject({ databaseUrl: "postgresql://u:p@db:5432/o", redisUrl: "rediss://cache:6380" });
	});
});

describe("a bad setting", () => {
	const dir = mkdtempSync(join(tmpdir(), "cfg-"));
	const aFile = join(dir, "file");
	writeFileSync(aFile, "");
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	const cases: Array<[string, string]> = [
		["DATABASE_URL", "not a url"],
		["DATABASE_URL", "mysql://root@127.0.0.1/orders"],
		["REDIS_URL", "127.0.0.1:6379"],
		["REDIS_URL", "http://127.0.0.1:6379"],
		["KAFKA_BROKERS", "127.0.0.1"],
		["KAFKA_BROKERS", "kafka:9092,kafka"],
		["KAFKA_BROKERS", ","],
		["KAFKA_LOCAL_PORT", "65535"],
		["KAFKA_LOCAL_PORT", "x"],
		["KAFKA_HOME_DIR", aFile],
		["PORT", "0"],
		["PORT", "70000"],
		["PORT", "abc"],
		["PORT", "80.5"],
		["METRICS_PORT", "-1"],
		["METRICS", "yes"],
		["TRACING", "datadog"],
		["TRACING", "jaeger"],
		["LOG_LEVEL", "verbose"],
		["LOG_LEVEL", "VERBOSE"],
		["GRPC_PORT", "-1"],
		["GRPC_PORT", "127.0.0.1:8081"],
		["GRPC_MAX_ORDERS", "0"],
		["CONSUMER_START", "newest"],
		["FAULT_INJECTION", "kill"],
		["LOG_FORMAT", "xml"],
		["SERVICES", "api-gateway,billing"],
		["ORDER_TOPIC", "orders topic"],
		["RESERVE_TOPIC", "reserve/1"],
		["PAYMENT_TOPIC", "paymént"],
		["RESERVE_GROUP", "orders reserve"],
		["SERVICES", ","],
		["PAYMENT_GROUP", "orders/payment"],
		["KAFKA_PARTITIONS", "0"],
		["OUT_OF_ORDER_WINDOW_MS", "-1"],
		["OUTBOX_RETENTION_MS", "1e99"],
		["APPLIED_KEY_RETENTION_MS", "soon"],
		["DB_POOL_MAX", "0"],
		["STUCK_AFTER_ORDER_CREATED_MS", "999"],
		["STUCK_AFTER_RESERVE_CREATED_MS", "5m"],
		["STUCK_AFTER_PAYMENT_CREATED_MS", "2592000001"],
	];

	it.each(cases)("%s=%j stops start-up with one line naming it", (name, value) => {
		let error: unknown;
		try {
			loadConfig({ [name]: value });
		} catch (err) {
			error = err;
		}
		expect(error).toBeInstanceOf(ConfigError);
		const message = (error as ConfigError).message;
		expect(message.startsWith(`${name}=`)).toBe(true);
		expect(message).not.toContain("\n");
	});

	it("refuses two topics of one name and one group for both consumed topics, naming the settings", () => {
		expect(() => loadConfig({ RESERVE_TOPIC: "payment" })).toThrow(/^ORDER_TOPIC=.*RESERVE_TOPIC="payment".*each topic needs a name of its own/);
		expect(() => loadConfig({ ORDER_TOPIC: "reserve" })).toThrow(/each topic needs a name of its own/);
		expect(() => loadConfig({ RESERVE_GROUP: "orders", PAYMENT_GROUP: "orders" })).toThrow(/^RESERVE_GROUP and PAYMENT_GROUP="orders" are invalid/);
	});

	it("says a consumer group is a consumer group", () => {
		expect(() => loadConfig({ RESERVE_GROUP: "a b" })).toThrow(/a Kafka consumer group name/);
	});

	it("is named even when good settings surround it", () => {
		expect(() => loadConfig({ PORT: "3001", METRICS_PORT: "99999" })).toThrow(/^METRICS_PORT=/);
	});
});

describe("security settings", () => {
	const SECRET = "s3cret-that-must-never-be-printed-anywhere";

	it("are off by default: no authentication, no create limit, no SASL or TLS to Kafka, clear transit", () => {
		expect(loadConfig({})).toMatchObject({ auth: null, createRateLimit: null, kafkaSecurity: {}, transitKey: undefined });
	});

	it("AUTH_JWT_SECRET or AUTH_JWKS_URL turns authentication on, with issuer, audience and the user claim", () => {
		expect(loadConfig({ AUTH_JWT_SECRET: SECRET }).auth).toEqual({ secret: SECRET, userClaim: "sub" });
		const jwks = loadConfig({ AUTH_JWKS_URL: "https://id.example/jwks.json", AUTH_ISSUER: "https://id.example", AUTH_AUDIENCE: "orders", AUTH_USER_CLAIM: "uid" });
		expect(jwks.auth).toEqual({ jwksUrl: "https://id.example/jwks.json", issuer: "https://id.example", audience: "orders", userClaim: "uid" });
	});

	it("RATE_LIMIT_CREATE turns the create limit on, per RATE_LIMIT_WINDOW_MS", () => {
		expect(loadConfig({ RATE_LIMIT_CREATE: "20" }).createRateLimit).toEqual({ limit: 20, windowMs: 60_000 });
		expect(loadConfig({ RATE_LIMIT_CREATE: "5", RATE_LIMIT_WINDOW_MS: "1000" }).createRateLimit).toEqual({ limit: 5, windowMs: 1000 });
	});

	it("KAFKA_SASL_* and KAFKA_SSL* give every Kafka client its credentials and TLS", () => {
		const dir = mkdtempSync(join(tmpdir(), "kafka-ca-"));
		const ca = join(dir, "ca.pem");
		writeFileSync(ca, "-----BEGIN CERTIFICATE-----\n");
		try {
			const cfg = loadConfig({ KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: "orders", KAFKA_SASL_PASSWORD: SECRET, KAFKA_SSL: "on", KAFKA_SSL_CA_FILE: ca });
			expect(cfg.kafkaSecurity).toEqual({ sasl: { mechanism: "scram-sha-512", username: "orders", password: SECRET }, ssl: { caFile: ca } });
			expect(kafkaAccess(cfg.kafkaSecurity)).toEqual({ sasl: { mechanism: "scram-sha-512", username: "orders", password: SECRET }, ssl: { ca: ["-----BEGIN CERTIFICATE-----\n"] } });
			expect(kafkaAccess(loadConfig({ KAFKA_SSL: "on" }).kafkaSecurity)).toEqual({ ssl: true });
		} finally {
			rmSync(dir, { recursive: true });
		}
	});

	it("accept a DATABASE_URL with sslmode and a rediss:// REDIS_URL with an ACL user", () => {
		const cfg = loadConfig({ DATABASE_URL: `postgres://orders:${SECRET}@db:5432/orders?sslmode=verify-full`, REDIS_URL: `rediss://orders:${SECRET}@cache:6380` });
		expect(cfg.databaseUrl).toContain("sslmode=verify-full");
		expect(cfg.redisUrl.startsWith("rediss://")).toBe(true);
	});

	const refused: [Record<string, string>, RegExp][] = [
		[{ AUTH_JWT_SECRET: "short" }, /^AUTH_JWT_SECRET is invalid: expected at least 32 characters$/],
		[{ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: "https://id.example/jwks" }, /^AUTH_JWT_SECRET and AUTH_JWKS_URL are invalid together/],
		[{ AUTH_JWKS_URL: "ftp://id.example/jwks" }, /^AUTH_JWKS_URL=.* expected a http: or https:\/\/ URL/],
		[{ AUTH_AUDIENCE: "orders" }, /^AUTH_AUDIENCE is invalid without AUTH_JWT_SECRET or AUTH_JWKS_URL/],
		[{ RATE_LIMIT_CREATE: "-1" }, /^RATE_LIMIT_CREATE="-1" is invalid/],
		[{ RATE_LIMIT_WINDOW_MS: "10" }, /^RATE_LIMIT_WINDOW_MS="10" is invalid/],
		[{ KAFKA_SASL_MECHANISM: "gssapi" }, /^KAFKA_SASL_MECHANISM="gssapi" is invalid/],
		[{ KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_PASSWORD: SECRET }, /^KAFKA_SASL_USERNAME is missing/],
		[{ KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_USERNAME: "orders" }, /^KAFKA_SASL_PASSWORD is missing/],
		[{ KAFKA_SASL_PASSWORD: SECRET }, /^KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are invalid without KAFKA_SASL_MECHANISM/],
		[{ KAFKA_SSL: "yes" }, /^KAFKA_SSL="yes" is invalid/],
		[{ KAFKA_SSL: "on", KAFKA_SSL_CA_FILE: "/no/such/ca.pem" }, /^KAFKA_SSL_CA_FILE="\/no\/such\/ca.pem" is invalid: no such file/],
		[{ TRANSIT_KEY: "short" }, /^TRANSIT_KEY is invalid: expected at least 16 characters$/],
		[{ DATABASE_URL: `postgres://orders:${SECRET}@db/orders?sslmode=requir` }, /^DATABASE_URL is invalid: sslmode="requir"/],
		[{ DATABASE_URL: `mysql://orders:${SECRET}@db/orders` }, /^DATABASE_URL="mysql:\/\/orders:\*\*\*\*@db\/orders" is invalid/],
		[{ REDIS_URL: `http://:${SECRET}@cache` }, /^REDIS_URL="http:\/\/:\*\*\*\*@cache" is invalid/],
	];

	it.each(refused)("%j stops start-up with one line that names the setting and shows no secret", (env, message) => {
		let error: unknown;
		try {
			loadConfig(env);
		} catch (err) {
			error = err;
		}
		expect(error).toBeInstanceOf(ConfigError);
		expect((error as Error).message).toMatch(message);
		expect((error as Error).message).not.toContain(SECRET);
		expect((error as Error).message).not.toContain("\n");
	});
});
