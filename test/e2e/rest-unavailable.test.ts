/**
 * A dependency that goes away answers 503, not 500, and leaves nothing half-done.
 * PostgreSQL and Redis are reached through TCP relays in this test, so cutting
 * a relay is a real network loss for the node (its connections die, new ones
 * are refused) while the shared servers keep serving everyone else. Kafka is
 * named by KAFKA_BROKERS as a port where nothing listens, so health reports it.
 *
 * The Moleculer transporter keeps a direct Redis connection: after a reconnect,
 * moleculer 0.14's Redis transporter opens a new publisher client on every
 * subscriber "ready" and never closes the old one (transporters/redis.js), which
 * would outlive the test. The cache and the health check go through the relay.
 */
import type { Client } from "pg";
import { loadConfig } from "../../lib/platform/config/config";
import { redisOptions } from "../../lib/platform/clients/redis-options";
import { freePort } from "../../dev/cluster/ports";
import { TEST_DATABASE_URL } from "../support/test-env";
import { waitFor } from "../support/wait";
import { EXAMPLE_BODY, http, post, randomUserId, rowsOf, sql, startRestNode, TcpRelay, type RestNode } from "./rest-support";

interface ErrorBody {
	name: string;
	message: string;
	code: number;
	type: string;
	data: unknown;
}

let postgres: TcpRelay;
let redis: TcpRelay;
let node: RestNode;
let db: Client;

beforeAll(async () => {
	postgres = new TcpRelay(await freePort(), new URL(TEST_DATABASE_URL));
	redis = new TcpRelay(await freePort(), new URL(loadConfig().redisUrl));
	await postgres.restore();
	await redis.restore();
	const transporter = { type: "Redis" as const, options: redisOptions(loadConfig().redisUrl) };
	node = await startRestNode({ DATABASE_URL: postgres.url, REDIS_URL: redis.url, KAFKA_BROKERS: `127.0.0.1:${await freePort()}` }, { transporter });
	db = await sql(); // straight to PostgreSQL, not through the relay
});

afterAll(async () => {
	await node?.stop();
	await postgres?.cut();
	await redis?.cut();
	await db?.end();
});

/** Health answers are shared for up to a second: an outage shows on the next fresh check. */
const reportsDown = (dependency: string) =>
	waitFor(async () => {
		const res = await http<ErrorBody>(`${node.base}/health`);
		return res.status === 503 && (res.body.data as Record<string, string>)[dependency] === "down" ? res : undefined;
	}, `health to report ${dependency} down`);

it("health names Kafka when it does not answer", async () => {
	const res = await http<ErrorBody>(`${node.base}/health`);
	expect(res.status).toBe(503);
	expect(res.body).toMatchObject({ name: "ServiceUnavailableError", code: 503, type: "DEPENDENCY_DOWN", data: { postgresql: "up", redis: "up", kafka: "down" } });
	expect(res.body.message).toContain("kafka");
	expect(res.body.message).not.toContain("postgresql");
});

it("while PostgreSQL is unreachable: 503 on create, get and list, nothing written; afterwards it works again", async () => {
	const userId = randomUserId();
	const existing = await post<{ order_id: number }>(node.base, { ...EXAMPLE_BODY, user_id: userId });
	expect(existing.status).toBe(201);
	const before = await rowsOf(db, userId, node.topic);

	await postgres.cut();
	try {
		const created = await post<ErrorBody>(node.base, { ...EXAMPLE_BODY, user_id: userId }, { "Idempotency-Key": `down-${userId}` });
		expect(created.status).toBe(503);
		expect(created.body).toEqual({ name: "ServiceUnavailableError", message: expect.any(String), code: 503, type: "DATABASE_UNAVAILABLE", data: null });
		expect(JSON.stringify(created.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|INSERT|orders\.create|at /);

		const listed = await http<ErrorBody>(`${node.base}/orders?user_id=${userId}`);
		expect(listed.status).toBe(503);
		// An order nobody read yet is not in the cache: this GET needs the database.
		const states = await http<ErrorBody>(`${node.base}/orders/${existing.body.order_id}/states`);
		expect(states.status).toBe(503);

		const health = await reportsDown("postgresql");
		expect(health.body.data).toMatchObject({ postgresql: "down", redis: "up" });
		expect(health.body.message).toContain("postgresql");
	} finally {
		await postgres.restore();
	}
	expect(await rowsOf(db, userId, node.topic)).toEqual(before);

	// The same key after recovery creates the order: the failed attempt left no claim behind.
	const retried = await post<{ order_id: number }>(node.base, { ...EXAMPLE_BODY, user_id: userId }, { "Idempotency-Key": `down-${userId}` });
	expect(retried.status).toBe(201);
	expect((await rowsOf(db, userId, node.topic)).orders).toBe(before.orders + 1);
});

it("while Redis is unreachable: reads come from PostgreSQL (right, uncached), creates work, health names redis", async () => {
	const userId = randomUserId();
	const created = await post<{ order_id: number; state: string }>(node.base, { ...EXAMPLE_BODY, user_id: userId });
	const path = `${node.base}/orders/${created.body.order_id}`;
	expect((await http(path)).status).toBe(200); // now cached

	await redis.cut();
	try {
		// The order changes while Redis is away (as the state service would record it).
		await db.query("UPDATE orders SET description = 'changed' WHERE order_id = $1", [created.body.order_id]);
		const read = await http<{ description: string }>(path);
		expect(read.status).toBe(200);
		expect(read.body.description).toBe("changed");
		expect((await post(node.base, { ...EXAMPLE_BODY, user_id: userId })).status).toBe(201);
		const health = await reportsDown("redis");
		expect(health.body.data).toMatchObject({ postgresql: "up", redis: "down" });
	} finally {
		await redis.restore();
	}
	// The cacher's Redis client reconnects, and the cache works again.
	const cacher = node.broker.cacher as unknown as { client: { status: string } };
	for (let i = 0; i < 100 && cacher.client.status !== "ready"; i++) await new Promise((r) => setTimeout(r, 100));
	expect(cacher.client.status).toBe("ready");
});
