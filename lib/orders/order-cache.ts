/**
 * The cached reads of one order (orders.get and orders.states, key
 * `<action>:<order_id>` in the broker's Redis cacher) and their invalidation.
 * The orders service calls `invalidateOrders` when the state service announces
 * a committed change (domain/orders-changed.ts), and `forgetCachedOrders` when it
 * starts (a change announced while no orders node ran reached nobody).
 *
 * A read that started BEFORE the change could otherwise put the old state back
 * after the invalidation. So every invalidation also bumps a per-order
 * generation, a read notes the generation before it loads from the database,
 * and it stores its result only if the generation is still the one it noted
 * (one atomic Lua step). A stale result is then never cached.
 */
import type { ServiceBroker } from "moleculer";
import { withTimeout } from "../platform/support/timeout";

export const CACHED_ORDER_READS = ["orders.get", "orders.states"] as const;
export type CachedOrderRead = (typeof CACHED_ORDER_READS)[number];

/** Cached reads live for TTL_MS; a generation outlives any read that could have noted it. */
const TTL_MS = 300_000;
const GENERATION_TTL_MS = 600_000;

export const orderCacheKeys = (orderId: number | string): string[] => CACHED_ORDER_READS.map((action) => `${action}:${orderId}`);
const generationKey = (orderId: number | string): string => `orders.generation:${orderId}`;

/** The part of ioredis the cache uses (the Redis cacher's own client). */
interface RedisClient {
	mget(...keys: string[]): Promise<(string | null)[]>;
	eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

function redisOf(broker: ServiceBroker): { client: RedisClient; prefix: string } | null {
	const cacher = broker.cacher as unknown as { client?: RedisClient; prefix?: string } | undefined;
	return cacher?.client && typeof cacher.client.eval === "function" ? { client: cacher.client, prefix: cacher.prefix ?? "" } : null;
}

// KEYS[1] data, KEYS[2] generation; ARGV[1] generation seen ("" = none), ARGV[2] value, ARGV[3] ttl ms.
const STORE_IF_UNCHANGED = `
if (redis.call('GET', KEYS[2]) or '') == ARGV[1] then
	redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 0`;

// KEYS: per order its generation key then its data keys (1 + CACHED_ORDER_READS.length each); ARGV[1] generation ttl ms.
const INVALIDATE = `
local per = ${1 + CACHED_ORDER_READS.length}
for i = 1, #KEYS, per do
	redis.call('INCR', KEYS[i])
	redis.call('PEXPIRE', KEYS[i], ARGV[1])
	redis.call('DEL', unpack(KEYS, i + 1, i + per - 1))
end
return 0`;

/** How long a read waits for Redis before it goes to PostgreSQL alone. */
const REDIS_WAIT_MS = 500;


/**
 * `load()` through the cache. A null result (unknown order) is not cached.
 * Without a Redis cacher, or while Redis does not answer, it just loads from
 * the database (the truth) and stores nothing.
 */
export async function cachedOrderRead<T>(broker: ServiceBroker, action: CachedOrderRead, orderId: number, load: () => Promise<T | null>): Promise<T | null> {
	const redis = redisOf(broker);
	if (!redis) return load();
	const dataKey = redis.prefix + `${action}:${orderId}`;
	const genKey = redis.prefix + generationKey(orderId);
	const seen = await withTimeout(redis.client.mget(dataKey, genKey), REDIS_WAIT_MS, "Redis did not answer").catch(() => null);
	if (seen === null) return load();
	const [cached, generation] = seen;
	if (cached !== null) return JSON.parse(cached) as T;
	const value = await load();
	if (value !== null) {
		await withTimeout(redis.client.eval(STORE_IF_UNCHANGED, 2, dataKey, genKey, generation ?? "", JSON.stringify(value), TTL_MS), REDIS_WAIT_MS, "Redis did not answer").catch(() => undefined);
	}
	return value;
}

export async function invalidateOrders(broker: ServiceBroker, orderIds: Iterable<number | string>): Promise<void> {
	const ids = [...new Set(orderIds)];
	if (ids.length === 0) return;
	const redis = redisOf(broker);
	if (!redis) {
		if (broker.cacher) await broker.cacher.del(ids.flatMap(orderCacheKeys));
		return;
	}
	// One atomic script for the whole batch: one command, not three per order.
	const keys = ids.flatMap((id) => [generationKey(id), ...orderCacheKeys(id)].map((key) => redis.prefix + key));
	await redis.client.eval(INVALIDATE, keys.length, ...keys, GENERATION_TTL_MS);
}

/** Drops every cached order read (not the generations: a read in flight still sees its order changed). */
export async function forgetCachedOrders(broker: ServiceBroker): Promise<void> {
	await broker.cacher?.clean(CACHED_ORDER_READS.map((action) => `${action}:*`));
}
