/**
 * The retry loop of a fetched batch: a step that fails is tried again with
 * backoff (200 ms doubling to 5 s), heartbeating meanwhile so the group does not
 * evict the member, until it succeeds or the consumer stops.
 */
import type { EachBatchPayload } from "kafkajs";

const RETRY_FIRST_MS = 200;
const RETRY_MAX_MS = 5_000;
/** Well inside kafkajs' default 30 s session timeout. */
const HEARTBEAT_MS = 3_000;

export const STOPPED = Symbol("stopped");

export interface RetryLogger {
	warn(...args: unknown[]): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` until it succeeds, backing off and heartbeating between tries; STOPPED once the consumer stops. */
export async function untilDone<T>(logger: RetryLogger, what: string, payload: EachBatchPayload, work: () => Promise<T>): Promise<T | typeof STOPPED> {
	for (let delay = RETRY_FIRST_MS, attempt = 1; ; delay = Math.min(delay * 2, RETRY_MAX_MS), attempt++) {
		if (!payload.isRunning() || payload.isStale()) return STOPPED;
		// A slow try (a stalled database, the broker's own retries) must not get this member evicted.
		const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), HEARTBEAT_MS);
		try {
			return await work();
		} catch (err) {
			logger.warn(`${what} failed (attempt ${attempt}, partition ${payload.batch.partition} waits ${delay} ms): ${(err as Error).message}`);
		} finally {
			clearInterval(beat);
		}
		for (let waited = 0; waited < delay && payload.isRunning(); waited += 500) {
			await sleep(Math.min(500, delay - waited));
			await payload.heartbeat();
		}
	}
}
