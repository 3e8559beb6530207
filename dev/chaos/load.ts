/**
 * Steady REST load: `rate` creates a second, each from a client that retries a
 * 5xx or a network error with the same Idempotency-Key and body (on the other
 * gateway, with backoff) until it gets a 201, then reads the order back once.
 * Records every answer's status, every 201 (key, order_id) and when each
 * successful attempt started and ended, for the recovery figures.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

export interface LoadOptions {
	gatewayPorts: number[];
	rate: number;
	userId: number;
	/** Creates in flight at most: past it a tick is skipped (counted), so an outage never piles up load. */
	maxInFlight?: number;
}

export interface Created {
	key: string;
	orderId: number;
	/** Epoch ms the successful attempt was sent and answered. */
	sentAt: number;
	answeredAt: number;
	retries: number;
}

export interface LoadStats {
	/** Answers by HTTP status, and network errors by their code ("ECONNREFUSED", "TimeoutError", ...). */
	answers: Record<string, number>;
	created: Created[];
	/** Keys refused with a 4xx (a valid create should never be) or given up after the retry guard. */
	refused: string[];
	abandoned: string[];
	skippedTicks: number;
}

export interface Load {
	stats: LoadStats;
	/** Stops starting creates and waits for those in flight; `now` gives them up at once (Ctrl-C). */
	stop(now?: boolean): Promise<void>;
}

/** Above the gateway's own worst case (a 10 s request timeout, retried 3 times) under faults. */
const ATTEMPT_TIMEOUT_MS = 60_000;
/** A client gives up on a key after this long: a failure guard, far beyond any fault. */
const GIVE_UP_MS = 180_000;
const MAX_BACKOFF_MS = 2_000;

const errorCode = (err: unknown): string => {
	const e = err as { name?: string; cause?: { code?: string } };
	return e.cause?.code ?? e.name ?? "Error";
};

export function startLoad({ gatewayPorts, rate, userId, maxInFlight = 200 }: LoadOptions): Load {
	const stats: LoadStats = { answers: {}, created: [], refused: [], abandoned: [], skippedTicks: 0 };
	const count = (what: string | number) => (stats.answers[what] = (stats.answers[what] ?? 0) + 1);
	const inFlight = new Set<Promise<void>>();
	const halt = new AbortController();
	let sequence = 0;

	const call = async (port: number, path: string, init: RequestInit = {}): Promise<{ status: number; text: string } | null> => {
		try {
			const res = await fetch(`http://127.0.0.1:${port}/api${path}`, { ...init, signal: AbortSignal.any([halt.signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]) });
			const text = await res.text();
			count(res.status);
			return { status: res.status, text };
		} catch (err) {
			count(errorCode(err));
			return null;
		}
	};

	const create = async (i: number): Promise<void> => {
		const key = randomUUID();
		const products = Array.from({ length: 1 + (i % 3) }, (_, p) => ({ product_id: 1 + i * 3 + p, count: 1 + ((i + p) % 5) }));
		const body = JSON.stringify({ user_id: userId, description: `chaos order ${i}`, order_products: products });
		const firstSent = Date.now();
		for (let attempt = 0; Date.now() - firstSent < GIVE_UP_MS && !halt.signal.aborted; attempt++) {
			const port = gatewayPorts[(i + attempt) % gatewayPorts.length];
			const sentAt = Date.now();
			const answer = await call(port, "/orders", { method: "POST", headers: { "content-type": "application/json", "idempotency-key": key }, body });
			if (answer?.status === 201) {
				const orderId = (JSON.parse(answer.text) as { order_id: number }).order_id;
				stats.created.push({ key, orderId, sentAt, answeredAt: Date.now(), retries: attempt });
				await call(port, `/orders/${orderId}`);
				return;
			}
			if (answer && answer.status < 500) {
				stats.refused.push(key);
				return;
			}
			await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempt), undefined, { signal: halt.signal }).catch(() => undefined);
		}
		stats.abandoned.push(key);
	};

	const timer = setInterval(() => {
		if (inFlight.size >= maxInFlight) {
			stats.skippedTicks++;
			return;
		}
		const running: Promise<void> = create(sequence++).finally(() => inFlight.delete(running));
		inFlight.add(running);
	}, 1_000 / rate);

	return {
		stats,
		async stop(now = false) {
			clearInterval(timer);
			if (now) halt.abort();
			await Promise.all(inFlight);
		},
	};
}
