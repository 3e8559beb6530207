/**
 * GET /api/health: do PostgreSQL, Redis and Kafka answer right now? Each check
 * opens its own short-lived connection with short timeouts, so a dependency
 * that is down shows up as "down" within a few seconds, never as a hang.
 */
import Redis from "ioredis";
import { Kafka, logLevel } from "kafkajs";
import { Client } from "pg";
import { kafkaBrokers, type Config } from "./config";

export type Dependency = "postgresql" | "redis" | "kafka";
export type HealthReport = Record<Dependency, "up" | "down">;

const TIMEOUT_MS = 2_000;

function within<T>(ms: number, work: Promise<T>): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
	});
	return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function postgresql(cfg: Config): Promise<void> {
	const client = new Client({ connectionString: cfg.databaseUrl, connectionTimeoutMillis: TIMEOUT_MS, query_timeout: TIMEOUT_MS });
	client.on("error", () => undefined); // a dropped connection is reported by the query
	try {
		await client.connect();
		await client.query("SELECT 1");
	} finally {
		await client.end().catch(() => undefined);
	}
}

async function redis(cfg: Config): Promise<void> {
	const client = new Redis(cfg.redisUrl, {
		lazyConnect: true,
		connectTimeout: TIMEOUT_MS,
		maxRetriesPerRequest: 0,
		enableOfflineQueue: false,
		retryStrategy: () => null,
	});
	client.on("error", () => undefined);
	try {
		await client.connect();
		await client.ping();
	} finally {
		client.disconnect();
	}
}

async function kafka(cfg: Config): Promise<void> {
	const admin = new Kafka({
		clientId: "orders-health",
		brokers: kafkaBrokers(cfg),
		connectionTimeout: TIMEOUT_MS,
		requestTimeout: TIMEOUT_MS,
		retry: { retries: 0 },
		logLevel: logLevel.NOTHING,
	}).admin();
	try {
		await admin.connect();
		await admin.describeCluster();
	} finally {
		await admin.disconnect().catch(() => undefined);
	}
}

const CHECKS: Record<Dependency, (cfg: Config) => Promise<void>> = { postgresql, redis, kafka };

export async function checkHealth(cfg: Config): Promise<HealthReport> {
	const names = Object.keys(CHECKS) as Dependency[];
	const results = await Promise.allSettled(names.map((name) => within(TIMEOUT_MS + 500, CHECKS[name](cfg))));
	return Object.fromEntries(names.map((name, i) => [name, results[i].status === "fulfilled" ? "up" : "down"])) as HealthReport;
}
