/**
 * Do PostgreSQL, Redis and Kafka answer right now? Asked by GET /api/health and
 * the readiness probe, so it must not add load when many ask at once:
 *
 * - one checker per node (shared by the gateway and the probes), over
 *   connections it keeps: the node's database pool (a lease on it), the Redis
 *   client of the node's cacher, one Kafka admin client. A check opens nothing new unless
 *   a dependency dropped the connection it had.
 * - concurrent callers share the check in flight, and its result for up to
 *   MAX_AGE_MS after it finished.
 * - each dependency's answer is cut at ATTEMPT_MS: one that hangs shows as down.
 */
import type Redis from "ioredis";
import type { Admin } from "kafkajs";
import type { ServiceBroker } from "moleculer";
import { kafkaBrokers, type Config, type KafkaSecurity } from "../config/config";
import { leaseDatabase, type DatabaseLease } from "../clients/shared-database";
import { createSingleShotKafka } from "../clients/kafka";
import { checkRedis, SINGLE_ATTEMPT } from "../startup/preflight";
import { withTimeout } from "../support/timeout";

export type Dependency = "postgresql" | "redis" | "kafka";

/** Where the checker looks: only what it reads of the node's Config. */
export interface HealthTargets {
	namespace: string;
	databaseUrl: string;
	/** The node's one pool for databaseUrl is this large (the check leases it, lib/platform/clients/shared-database.ts). */
	dbPoolMax: number;
	redisUrl: string;
	kafkaBrokers: string[];
	kafkaSecurity: KafkaSecurity;
}

export const healthTargets = (cfg: Config): HealthTargets => ({
	namespace: cfg.namespace,
	databaseUrl: cfg.databaseUrl,
	dbPoolMax: cfg.dbPoolMax,
	redisUrl: cfg.redisUrl,
	kafkaBrokers: kafkaBrokers(cfg),
	kafkaSecurity: cfg.kafkaSecurity,
});
/** "up", or why not. */
export type DependencyAnswers = Record<Dependency, string>;
export interface HealthCheck {
	answers: DependencyAnswers;
	/** When the check ran (ISO-8601): callers within MAX_AGE_MS of it share it. */
	checked_at: string;
}

export interface HealthChecker {
	check(): Promise<HealthCheck>;
	/** Gives up this user's share; the connections close with the last one. */
	release(): Promise<void>;
}

/** What GET /api/health shows: each dependency up or down, no internal messages. */
export function upOrDown(answers: DependencyAnswers): Record<Dependency, "up" | "down"> {
	return Object.fromEntries(Object.entries(answers).map(([name, a]) => [name, a === "up" ? "up" : "down"])) as Record<Dependency, "up" | "down">;
}

const MAX_AGE_MS = 1_000;
const ATTEMPT_MS = SINGLE_ATTEMPT.attemptMs;

const firstLine = (err: unknown): string => ((err as Error)?.message || String(err)).split("\n")[0];

const LABELS: Record<Dependency, string> = { postgresql: "PostgreSQL", redis: "Redis", kafka: "Kafka" };

async function answer(name: Dependency, check: () => Promise<unknown>): Promise<string> {
	try {
		await withTimeout(check(), ATTEMPT_MS);
		return "up";
	} catch (err) {
		return `${LABELS[name]}: ${firstLine(err)}`;
	}
}

/** The cacher's Redis client: the node holds it anyway. */
function cacherRedis(broker: ServiceBroker): Redis | undefined {
	const client = (broker.cacher as { client?: Redis } | undefined)?.client;
	return typeof client?.ping === "function" ? client : undefined;
}

interface Checker {
	check(): Promise<HealthCheck>;
	close(): Promise<void>;
}

function createChecker(broker: ServiceBroker, cfg: HealthTargets): Checker {
	let db: DatabaseLease | undefined;
	let admin: Admin | undefined;
	// Down is the answer, not a log line: the check's result says it.
	const kafka = createSingleShotKafka(`${cfg.namespace}-health-${broker.nodeID}`, cfg.kafkaBrokers, ATTEMPT_MS, cfg.kafkaSecurity);
	const checks: Record<Dependency, () => Promise<unknown>> = {
		postgresql: () => {
			db ??= leaseDatabase(broker, cfg.databaseUrl, cfg.dbPoolMax);
			return db.sequelize.query("SELECT 1");
		},
		redis: () => {
			const redis = cacherRedis(broker);
			return redis ? redis.ping() : checkRedis(cfg.redisUrl, SINGLE_ATTEMPT);
		},
		kafka: async () => {
			try {
				if (!admin) {
					admin = kafka.admin();
					await admin.connect();
				}
				await admin.describeCluster();
			} catch (err) {
				// Connect afresh next time rather than reuse a client in an unknown state.
				void admin?.disconnect().catch(() => undefined);
				admin = undefined;
				throw err;
			}
		},
	};
	let inFlight: Promise<HealthCheck> | undefined;
	let last: { at: number; result: HealthCheck } | undefined;
	const run = async (): Promise<HealthCheck> => {
		const names = Object.keys(checks) as Dependency[];
		const results = await Promise.all(names.map((name) => answer(name, checks[name])));
		const result = { answers: Object.fromEntries(names.map((name, i) => [name, results[i]])) as DependencyAnswers, checked_at: new Date().toISOString() };
		last = { at: Date.now(), result };
		return result;
	};
	return {
		check() {
			if (last && Date.now() - last.at <= MAX_AGE_MS) return Promise.resolve(last.result);
			inFlight ??= run().finally(() => (inFlight = undefined));
			return inFlight;
		},
		async close() {
			await inFlight?.catch(() => undefined);
			await Promise.all([db?.release(), admin?.disconnect()].map((p) => p?.catch(() => undefined)));
		},
	};
}

const shared = new WeakMap<ServiceBroker, { checker: Checker; users: number }>();

/** The node's health checker; every caller releases it when it stops. */
export function healthChecker(broker: ServiceBroker, cfg: HealthTargets): HealthChecker {
	let entry = shared.get(broker);
	if (!entry) {
		entry = { checker: createChecker(broker, cfg), users: 0 };
		shared.set(broker, entry);
	}
	entry.users++;
	const held = entry;
	let released = false;
	return {
		check: () => held.checker.check(),
		async release() {
			if (released) return;
			released = true;
			if (--held.users > 0) return;
			shared.delete(broker);
			await held.checker.close();
		},
	};
}
