/**
 * RATE_LIMIT_CREATE per RATE_LIMIT_WINDOW_MS on POST /api/orders, counted in
 * Redis: two gateway nodes share one limit per client (here per token user),
 * the request over it is a 429 with Retry-After that creates nothing, and
 * reads are never limited.
 */
import type { ServiceBroker } from "moleculer";
import type { Client } from "pg";
import { createNode } from "../../wiring/create-node";
import { loadConfig } from "../../lib/platform/config/config";
import { freePort } from "../../dev/cluster/ports";
import { AUTH_SECRET, bearer, token } from "../support/tokens";
import { EXAMPLE_BODY, http, post, randomUserId, rowsOf, sql, useOwnOrderTopic } from "./rest-support";

const LIMIT = 3;
/** A day: the clock-aligned window cannot roll over (and reset the count) during the test, except at midnight UTC. */
const WINDOW_MS = 86_400_000;

let orders: ServiceBroker;
const gateways: ServiceBroker[] = [];
const bases: string[] = [];
let topic: string;
let db: Client;

/** A gateway node of its own on its own port. */
async function startGateway(n: number): Promise<void> {
	const port = await freePort();
	const broker = createNode(loadConfig({ ...process.env, PORT: String(port) }), ["api-gateway"], { nodeID: `rate-gateway-${n}-${process.pid}` });
	await broker.start();
	await broker.waitForServices(["orders"]);
	gateways.push(broker);
	bases.push(`http://127.0.0.1:${port}/api`);
}

beforeAll(async () => {
	Object.assign(process.env, { AUTH_JWT_SECRET: AUTH_SECRET, RATE_LIMIT_CREATE: String(LIMIT), RATE_LIMIT_WINDOW_MS: String(WINDOW_MS) });
	topic = await useOwnOrderTopic();
	orders = createNode(loadConfig(), ["orders"]);
	await orders.start();
	await startGateway(1);
	await startGateway(2);
	db = await sql();
});

afterAll(async () => {
	await db?.end();
	for (const gateway of gateways) await gateway.stop();
	await orders?.stop();
});

it("two gateway nodes count one limit per user: the request over it is 429 with Retry-After and creates nothing", async () => {
	const user = randomUserId();
	const headers = bearer(await token(user));
	const statuses: number[] = [];
	for (let i = 0; i < LIMIT; i++) statuses.push((await post(bases[i % 2], { ...EXAMPLE_BODY, user_id: user }, headers)).status);
	expect(statuses).toEqual([201, 201, 201]);

	for (const base of bases) {
		const refused = await post(base, { ...EXAMPLE_BODY, user_id: user }, headers);
		expect(refused.status).toBe(429);
		const retryAfter = Number(refused.headers.get("retry-after"));
		expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
		expect(refused.body).toEqual({ name: "TooManyRequestsError", message: expect.any(String), code: 429, type: "RATE_LIMITED", data: { retry_after: retryAfter } });
	}
	expect((await rowsOf(db, user, topic)).orders).toBe(LIMIT);
});

it("another user has a limit of their own", async () => {
	const other = randomUserId();
	const res = await post(bases[0], { ...EXAMPLE_BODY, user_id: other }, bearer(await token(other)));
	expect(res.status).toBe(201);
	expect(res.headers.get("x-rate-limit-remaining")).toBe(String(LIMIT - 1));
});

it("reads are not limited", async () => {
	const user = randomUserId();
	const headers = bearer(await token(user));
	for (let i = 0; i < LIMIT + 2; i++) {
		const res = await http(`${bases[i % 2]}/orders`, { headers });
		expect(res.status).toBe(200);
	}
});
