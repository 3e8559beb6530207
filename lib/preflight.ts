/**
 * Start-up checks: each dependency answers within a deadline, or start-up stops
 * with one line saying which one and how to get it running.
 */
import Redis from "ioredis";
import { Client } from "pg";
import { createKafka } from "./kafka";

export class DependencyError extends Error {
	override name = "DependencyError";
}

const DEADLINE_MS = 20_000;

async function retryUntil<T>(attempt: () => Promise<T>, deadlineMs: number): Promise<T> {
	const deadline = Date.now() + deadlineMs;
	for (;;) {
		try {
			return await attempt();
		} catch (err) {
			if (Date.now() + 1_000 > deadline) throw err;
			await new Promise((r) => setTimeout(r, 1_000));
		}
	}
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split("\n")[0];

const redact = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");

export async function checkPostgres(databaseUrl: string, deadlineMs = DEADLINE_MS): Promise<void> {
	const url = new URL(databaseUrl);
	url.pathname = "/postgres"; // the database itself may not exist yet: start-up creates it
	try {
		await retryUntil(async () => {
			const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 3_000 });
			try {
				await client.connect();
				await client.query("SELECT 1");
			} finally {
				await client.end().catch(() => undefined);
			}
		}, deadlineMs);
	} catch (err) {
		throw new DependencyError(
			`PostgreSQL at ${redact(databaseUrl)} does not answer (${reason(err)}); start it (pg_ctlcluster 15 main start) or fix DATABASE_URL`,
		);
	}
}

export async function checkRedis(redisUrl: string, deadlineMs = DEADLINE_MS): Promise<void> {
	try {
		await retryUntil(async () => {
			const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
			redis.on("error", () => undefined);
			try {
				await redis.connect();
				await redis.ping();
			} finally {
				redis.disconnect();
			}
		}, deadlineMs);
	} catch (err) {
		throw new DependencyError(`Redis at ${redact(redisUrl)} does not answer (${reason(err)}); start it (redis-server --daemonize yes) or fix REDIS_URL`);
	}
}

export async function checkKafka(brokers: string[], deadlineMs = DEADLINE_MS): Promise<void> {
	try {
		await retryUntil(async () => {
			const admin = createKafka(brokers, "orders-preflight", 0).admin();
			try {
				await admin.connect();
				await admin.describeCluster();
			} finally {
				await admin.disconnect();
			}
		}, deadlineMs);
	} catch (err) {
		throw new DependencyError(
			`Kafka at ${brokers.join(",")} does not answer (${reason(err)}); start it or unset KAFKA_BROKERS to run the project's own broker`,
		);
	}
}
