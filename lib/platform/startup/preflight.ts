/**
 * Start-up checks: each dependency answers within a deadline, or start-up stops
 * with one line saying which one and how to get it running.
 *
 * Budget (issue 2: a missing dependency stops start-up within 30 s): a check
 * retries for at most WINDOW_MS, each attempt is cut at ATTEMPT_MS, so one check
 * gives up within WINDOW_MS + ATTEMPT_MS = 16 s. PostgreSQL and Redis are checked
 * together, Kafka after them, and start-up stops at the first failure, so only
 * one check ever waits that long. A refused connection (nothing listens: the
 * usual "not started" case) is retried for REFUSED_WINDOW_MS only, which still
 * covers a server that is coming up (a container start, a restart). An answer
 * that says no (bad password, unknown role) is not retried at all.
 */
import Redis from "ioredis";
import type { KafkaSecurity } from "../config/config";
import { createSingleShotKafka } from "../clients/kafka";
import { Client } from "pg";
import { redactUrl } from "../config/redact";
import { withTimeout } from "../support/timeout";

export class DependencyError extends Error {
	override name = "DependencyError";
}

export const WINDOW_MS = 12_000;
export const REFUSED_WINDOW_MS = 5_000;
export const ATTEMPT_MS = 4_000;
const PAUSE_MS = 500;

export interface RetryWindows {
	windowMs: number;
	refusedWindowMs: number;
	attemptMs: number;
}

const DEFAULT_WINDOWS: RetryWindows = { windowMs: WINDOW_MS, refusedWindowMs: REFUSED_WINDOW_MS, attemptMs: ATTEMPT_MS };
/** One attempt cut at 2 s: for health and readiness, which ask "right now?". */
export const SINGLE_ATTEMPT: RetryWindows = { windowMs: 0, refusedWindowMs: 0, attemptMs: 2_000 };

/** An error the dependency itself answered with: retrying will not change it. */
class Refusal extends Error {}


const refused = (err: unknown): boolean => {
	const e = err as { code?: string; message?: string; cause?: unknown };
	return e?.code === "ECONNREFUSED" || /ECONNREFUSED/.test(e?.message ?? "") || (e?.cause !== undefined && refused(e.cause));
};

export async function retryUntil<T>(attempt: () => Promise<T>, windows: RetryWindows = DEFAULT_WINDOWS): Promise<T> {
	const started = Date.now();
	for (;;) {
		try {
			return await withTimeout(attempt(), windows.attemptMs);
		} catch (err) {
			if (err instanceof Refusal) throw err;
			const window = refused(err) ? windows.refusedWindowMs : windows.windowMs;
			if (Date.now() + PAUSE_MS - started >= window) throw err;
			await new Promise((r) => setTimeout(r, PAUSE_MS));
		}
	}
}

function reason(err: unknown): string {
	const e = err as { message?: string; code?: string };
	// Node's dual-stack connect fails with an AggregateError whose message is empty.
	return ((e?.message || e?.code) ?? String(err)).split("\n")[0];
}

/** SQLSTATE 57P03: the server is starting up, worth waiting for; any other SQLSTATE is its final answer. */
const postgresRefusal = (err: unknown): boolean => {
	const code = (err as { code?: string }).code;
	return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && code !== "57P03";
};

/**
 * `database`: "server" asks the server (start-up: the database itself may not exist
 * yet, start-up creates it); "own" asks the database of the URL (health, readiness).
 */
export async function checkPostgres(databaseUrl: string, windows: RetryWindows = DEFAULT_WINDOWS, database: "server" | "own" = "server"): Promise<void> {
	const url = new URL(databaseUrl);
	if (database === "server") url.pathname = "/postgres";
	try {
		await retryUntil(async () => {
			const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: windows.attemptMs });
			client.on("error", () => undefined);
			try {
				await client.connect();
				await client.query("SELECT 1");
			} catch (err) {
				throw postgresRefusal(err) ? new Refusal(reason(err)) : err;
			} finally {
				void client.end().catch(() => undefined);
			}
		}, windows);
	} catch (err) {
		const advice = err instanceof Refusal ? "check the user, password and database in DATABASE_URL" : "start it (pg_ctlcluster 15 main start) or fix DATABASE_URL";
		throw new DependencyError(`PostgreSQL at ${redactUrl(databaseUrl)} is not usable (${reason(err)}); ${advice}`);
	}
}

export async function checkRedis(redisUrl: string, windows: RetryWindows = DEFAULT_WINDOWS): Promise<void> {
	try {
		await retryUntil(async () => {
			const redis = new Redis(redisUrl, {
				lazyConnect: true,
				connectTimeout: windows.attemptMs,
				maxRetriesPerRequest: 0,
				retryStrategy: () => null,
			});
			// connect() rejects with a bare "Connection is closed."; the socket's error says why.
			let socketError: unknown;
			redis.on("error", (err) => (socketError ??= err));
			try {
				await redis.connect();
				await redis.ping();
			} catch (err) {
				// A reply (NOAUTH, WRONGPASS) is Redis's final answer; a refused AUTH at connect arrives as the socket's error.
				const reply = [err, socketError].find((e) => (e as Error | undefined)?.name === "ReplyError");
				throw reply ? new Refusal(reason(reply)) : (socketError ?? err);
			} finally {
				redis.disconnect();
			}
		}, windows);
	} catch (err) {
		const advice = err instanceof Refusal ? "check the user and password in REDIS_URL" : "start it (redis-server --daemonize yes) or fix REDIS_URL";
		throw new DependencyError(`Redis at ${redactUrl(redisUrl)} is not usable (${reason(err)}); ${advice}`);
	}
}

/** `ownBroker`: the broker is the project's own (KAFKA_BROKERS unset), which changes the advice. */
export async function checkKafka(brokers: string[], windows: RetryWindows = DEFAULT_WINDOWS, ownBroker = false, security: KafkaSecurity = {}): Promise<void> {
	try {
		await retryUntil(async () => {
			// Silent and single-shot: the retry loop above is the only one, and its last error the only line.
			const kafka = createSingleShotKafka("orders-preflight", brokers, windows.attemptMs, security);
			const admin = kafka.admin();
			try {
				await admin.connect();
				await admin.describeCluster();
			} catch (err) {
				// The broker said no to our credentials: final, like a wrong database password.
				throw (err as Error).name === "KafkaJSSASLAuthenticationError" ? new Refusal(reason(err)) : err;
			} finally {
				void admin.disconnect().catch(() => undefined);
			}
		}, windows);
	} catch (err) {
		const advice =
			err instanceof Refusal
				? "check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
				: ownBroker
					? "see .kafka/broker.log, or stop it with `npm run kafka -- stop` and start again"
					: "start it or unset KAFKA_BROKERS to run the project's own broker";
		throw new DependencyError(`Kafka at ${brokers.join(",")} is not usable (${reason(err)}); ${advice}`);
	}
}
