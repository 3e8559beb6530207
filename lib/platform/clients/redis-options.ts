/**
 * REDIS_URL as ioredis connection options: Moleculer 0.15's typings take the
 * Redis transporter's and cacher's connection as an options object, not a URL.
 */
import type { RedisOptions } from "ioredis";

export function redisOptions(redisUrl: string): RedisOptions {
	const url = new URL(redisUrl);
	const db = url.pathname.replace(/^\//, "");
	return {
		host: url.hostname,
		port: url.port === "" ? 6379 : Number(url.port),
		...(url.username && { username: decodeURIComponent(url.username) }),
		...(url.password && { password: decodeURIComponent(url.password) }),
		...(db && { db: Number(db) }),
		...(url.protocol === "rediss:" && { tls: {} }),
		// ioredis 5.8.2+ may send its CLIENT SETINFO handshake and the ready check's INFO after the
		// transporter's re-SUBSCRIBE on a reconnect (ioredis issue 2037): the subscriber rejects INFO
		// and the unhandled rejection ended a node after a Redis cut in the chaos run.
		disableClientInfo: true,
	};
}
