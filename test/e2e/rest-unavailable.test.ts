/**
 * A dependency that goes away answers 503, not 500, and leaves nothing half-done.
 * PostgreSQL is reached through a TCP relay in this test, so cutting the relay
 * is a real network loss for the node (its pooled connections die, new ones are
 * refused) while the shared PostgreSQL keeps serving everyone else. Kafka is
 * named by KAFKA_BROKERS as a port where nothing listens, so health reports it.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import type { Client } from "pg";
import { TEST_DATABASE_URL } from "../support/test-env";
import { freePort } from "../support/cluster";
import { EXAMPLE_BODY, http, post, randomUserId, rowsOf, sql, startRestNode, type RestNode } from "./rest-support";

/** Forwards a local port to PostgreSQL until `cut()`; `restore()` listens again. */
class PostgresRelay {
	private server: Server | undefined;
	private readonly sockets = new Set<Socket>();
	constructor(readonly port: number) {}

	async restore(): Promise<void> {
		const target = new URL(TEST_DATABASE_URL);
		this.server = createServer((client) => {
			const upstream = connect(Number(target.port || 5432), target.hostname);
			for (const s of [client, upstream]) {
				this.sockets.add(s);
				s.on("close", () => this.sockets.delete(s));
				s.on("error", () => undefined);
			}
			client.pipe(upstream).pipe(client);
			client.on("close", () => upstream.destroy());
			upstream.on("close", () => client.destroy());
		});
		await new Promise<void>((resolve) => this.server?.listen(this.port, "127.0.0.1", resolve));
	}

	async cut(): Promise<void> {
		const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
		for (const s of this.sockets) s.destroy();
		await closed;
	}
}

interface ErrorBody {
	name: string;
	message: string;
	code: number;
	type: string;
	data: unknown;
}

let relay: PostgresRelay;
let node: RestNode;
let db: Client;

beforeAll(async () => {
	relay = new PostgresRelay(await freePort());
	await relay.restore();
	const url = new URL(TEST_DATABASE_URL);
	url.port = String(relay.port);
	url.hostname = "127.0.0.1";
	node = await startRestNode({ DATABASE_URL: url.toString(), KAFKA_BROKERS: `127.0.0.1:${await freePort()}` });
	db = await sql(); // straight to PostgreSQL, not through the relay
});

afterAll(async () => {
	await node?.stop();
	await relay?.cut();
	await db?.end();
});

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

	await relay.cut();
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

		const health = await http<ErrorBody>(`${node.base}/health`);
		expect(health.status).toBe(503);
		expect(health.body.data).toMatchObject({ postgresql: "down", redis: "up" });
		expect(health.body.message).toContain("postgresql");
	} finally {
		await relay.restore();
	}
	expect(await rowsOf(db, userId, node.topic)).toEqual(before);

	// The same key after recovery creates the order: the failed attempt left no claim behind.
	const retried = await post<{ order_id: number }>(node.base, { ...EXAMPLE_BODY, user_id: userId }, { "Idempotency-Key": `down-${userId}` });
	expect(retried.status).toBe(201);
	expect((await rowsOf(db, userId, node.topic)).orders).toBe(before.orders + 1);
});
