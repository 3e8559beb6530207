/**
 * The create rate limit (RATE_LIMIT_CREATE per RATE_LIMIT_WINDOW_MS): moleculer-web's
 * route rate limiter with a counter in Redis, so every gateway node counts
 * against one limit per client. Windows are fixed and aligned to the clock
 * (window n covers [n·w, (n+1)·w)), so any node can tell when the current one
 * ends without asking Redis: that is the 429's Retry-After.
 */
import type { IncomingMessage } from "node:http";
import Redis from "ioredis";
import { decodeJwt } from "jose";
import { Errors } from "moleculer";
import type { RateLimitSettings, RateLimitStore } from "moleculer-web";

export interface CreateRateLimitOptions {
	limit: number;
	windowMs: number;
	redisUrl: string;
	/** Counter keys start with it: the Moleculer namespace keeps clusters apart on one Redis. */
	prefix: string;
	/** Authentication is on: clients are counted by user, not by address. */
	byUser: boolean;
}

type GatewayRequest = IncomingMessage & { $alias?: { action?: string } };

const windowStart = (windowMs: number, now: number): number => Math.floor(now / windowMs) * windowMs;

/** Seconds until the current window ends: at least 1 (Retry-After is whole seconds). */
export const retryAfterSeconds = (windowMs: number, now = Date.now()): number =>
	Math.max(1, Math.ceil((windowStart(windowMs, now) + windowMs - now) / 1000));

/**
 * The token's subject without verifying it: the limiter runs before
 * authentication (moleculer-web's order). A forged subject gains nothing: its
 * request is refused with 401 before it reaches the orders service, and a valid
 * token's subject is the verified one.
 */
function tokenSubject(req: IncomingMessage): string | undefined {
	const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
	if (!match) return undefined;
	try {
		const sub = decodeJwt(match[1]).sub;
		return typeof sub === "string" && sub.length <= 200 ? sub : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Who is counted: the user when authentication is on, else the client address
 * of the TCP connection (X-Forwarded-For is not trusted: any client can write it).
 * Only creates are counted; every other request gets no key and passes.
 */
export function createRateLimitKey(byUser: boolean): (req: GatewayRequest) => string {
	return (req) => {
		if (req.method !== "POST" || req.$alias?.action !== "orders.create") return ""; // no key: not counted
		const user = byUser ? tokenSubject(req) : undefined;
		return user ? `user:${user}` : `ip:${req.socket.remoteAddress ?? "unknown"}`;
	};
}

/** moleculer-web's rate limiter store: `inc(key)` answers the count so far, `resetTime` the window's end. */
export class RedisRateLimitStore implements RateLimitStore {
	private readonly redis: Redis;

	constructor(
		private readonly windowMs: number,
		redisUrl: string,
		private readonly prefix: string,
	) {
		// A failed count must fail the request now, not queue it until Redis returns.
		this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
		this.redis.on("error", () => undefined); // a count that fails answers 503 through the gateway; no log storm per reconnect
	}

	/** When the current window ends (moleculer-web's X-Rate-Limit-Reset). */
	get resetTime(): number {
		return windowStart(this.windowMs, Date.now()) + this.windowMs;
	}

	/** One round trip: the increment and the key's expiry in one MULTI. */
	async inc(key: string): Promise<number> {
		const start = windowStart(this.windowMs, Date.now());
		const counter = `${this.prefix}:${key}:${start}`;
		const replies = await this.redis.multi().incr(counter).pexpire(counter, this.windowMs + 1_000).exec().catch(() => null);
		const [error, count] = replies?.[0] ?? [true, null];
		// Redis is the transporter too: without it the cluster cannot create anyway. Retry later.
		if (error) throw new Errors.MoleculerRetryableError("The rate limit store is not answering", 503, "SERVICE_UNAVAILABLE", null);
		return Number(count);
	}

	async close(): Promise<void> {
		await this.redis.quit().catch(() => this.redis.disconnect());
	}
}

/** The route's `rateLimit` option for POST /api/orders. */
export function createRateLimit({ limit, windowMs, redisUrl, prefix, byUser }: CreateRateLimitOptions): RateLimitSettings {
	return {
		limit,
		window: windowMs,
		headers: true,
		key: createRateLimitKey(byUser),
		// moleculer-web makes the store with `new StoreFactory(window, options, broker)`.
		StoreFactory: class extends RedisRateLimitStore {
			constructor(window: number) {
				super(window, redisUrl, prefix);
			}
		},
	};
}
