/**
 * kafkajs 2.2.4 (its last release) re-arms a timer in every connection's request
 * queue after each check, even with nothing pending and no throttle: the delay is
 * then negative, the timer fires at once and re-arms itself, so every connection
 * spins about 1,000 empty timer callbacks a second for as long as it lives
 * (kafkajs issues 1556, 1704, 1751; the fix proposed there is applied here). It
 * costs CPU in every process with a kafkajs client, idle or busy, and on Node >= 24
 * it prints TimeoutNegativeWarning. Patched once per process, before any client.
 */
import { createRequire } from "node:module";

/** The part of kafkajs's internal RequestQueue the fix touches. */
interface RequestQueue {
	pending: unknown[];
	throttledUntil: number;
	throttleCheckTimeoutId: NodeJS.Timeout | null;
	checkPendingRequests(): void;
	scheduleCheckPendingRequests(): void;
}

/** kafkajs's own interval between checks while requests wait (requestQueue/index.js). */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/** A check is needed only while requests wait (then soon) or a throttle is on (then when it ends). */
function scheduleCheckPendingRequests(this: RequestQueue): void {
	if (this.throttleCheckTimeoutId) return;
	const throttledForMs = this.throttledUntil - Date.now();
	if (this.pending.length === 0 && throttledForMs <= 0) return;
	const delayMs = throttledForMs > 0 ? throttledForMs : CHECK_PENDING_REQUESTS_INTERVAL_MS;
	this.throttleCheckTimeoutId = setTimeout(() => {
		this.throttleCheckTimeoutId = null;
		this.checkPendingRequests();
	}, delayMs);
}

let patched = false;

/** The request queue class kafkajs itself uses (same module instance: kafkajs has no exports map). */
export const kafkajsRequestQueue = (): { prototype: RequestQueue } =>
	createRequire(require.resolve("kafkajs"))("./src/network/requestQueue") as { prototype: RequestQueue };

export function fixKafkajsIdleLoop(): void {
	if (patched) return;
	patched = true;
	kafkajsRequestQueue().prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
}
