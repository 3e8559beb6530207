/**
 * Dead letters with authentication on (AUTH_JWT_SECRET): only an `orders:operator`
 * token lists, redrives and reads the audit; a user's token gets 403 and
 * changes nothing, no token 401. The audit names the operator's subject.
 */
import type { ServiceBroker } from "moleculer";
import type { Pool } from "pg";
import { freePort } from "../../dev/cluster/ports";
import { recordDeadLetters } from "../../lib/dead-letters/dead-letter-store";
import { createSequelize } from "../../lib/platform/clients/database";
import { startNode } from "../support/cluster";
import { createOrder, historyOf, testPool } from "../support/orders-fixture";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { TEST_DATABASE_URL } from "../support/test-env";
import { AUTH_SECRET, OPERATOR, bearer, token } from "../support/tokens";
import { http } from "./rest-support";

const topics = useSagaTopics();

let broker: ServiceBroker;
let pool: Pool;
let base: string;
let orderId: number;
const letter = { partition: 0, offset: "41" };

beforeAll(async () => {
	pool = testPool();
	const port = await freePort();
	base = `http://127.0.0.1:${port}/api`;
	broker = await startNode(["api-gateway", "state"], { PORT: String(port), AUTH_JWT_SECRET: AUTH_SECRET });
	// A RESERVE_CREATED the listener rejected as unknown_order (say, read before the order's import), recorded as it records one.
	orderId = await createOrder(pool);
	const db = createSequelize(TEST_DATABASE_URL, 1);
	await recordDeadLetters(db, [
		{ topic: topics.reserve, ...letter, key: Buffer.from(String(orderId)), value: Buffer.from(sagaMessage(orderId, "CREATED")), headers: {}, reason: "unknown_order", error: "order does not exist", order_id: orderId },
	]);
	await db.close();
});
afterAll(async () => {
	await broker?.stop();
	await pool?.end();
});

/** method, path, whether it takes the redrive body */
const routes: Array<[string, string, boolean]> = [
	["GET", "/dead-letters", false],
	["POST", "/dead-letters/redrive", true],
	["GET", "/dead-letters/redrives", false],
];
const call = (method: string, path: string, json: unknown, headers: Record<string, string>) =>
	http<Record<string, unknown>>(`${base}${path}`, { method, json, headers });
const redriveBody = () => ({ topic: topics.reserve, ...letter });

it.each(routes)("%s %s without a token: 401", async (method, path, withBody) => {
	const res = await call(method, path, withBody ? redriveBody() : undefined, {});
	expect(res.status).toBe(401);
	expect(res.headers.get("www-authenticate")).toBe('Bearer realm="orders"');
});

it.each(routes)("%s %s with a user's token: 403, nothing redriven", async (method, path, withBody) => {
	const res = await call(method, path, withBody ? redriveBody() : undefined, bearer(await token(orderId)));
	expect(res.status).toBe(403);
	expect(res.body).toEqual({ name: "ForbiddenError", message: expect.any(String), code: 403, type: "FORBIDDEN", data: null });
	expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED"]);
	const { rows } = await pool.query("SELECT redrive_outcome FROM dead_letters WHERE source_topic = $1", [topics.reserve]);
	expect(rows).toEqual([{ redrive_outcome: null }]);
});

it("an operator lists, redrives (audited under the token's subject) and reads the audit", async () => {
	const headers = bearer(await token("ops-alice", { claims: OPERATOR }));
	const listed = await call("GET", `/dead-letters?topic=${topics.reserve}`, undefined, headers);
	expect(listed.status).toBe(200);
	expect(listed.body.dead_letters).toEqual([expect.objectContaining({ ...letter, order_id: orderId, reason: "unknown_order" })]);

	const redriven = await call("POST", "/dead-letters/redrive", redriveBody(), headers);
	expect(redriven.status).toBe(200);
	expect(redriven.body).toMatchObject({ who: "ops-alice", letters: [{ order_id: orderId, outcome: "applied" }] });
	expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);

	const audit = await call("GET", "/dead-letters/redrives?limit=500", undefined, headers);
	expect(audit.body.redrives).toContainEqual(expect.objectContaining({ redrive_id: redriven.body.redrive_id, who: "ops-alice" }));
});
