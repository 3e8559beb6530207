/**
 * Authentication on (AUTH_JWT_SECRET): the user comes from the token, a user
 * creates, reads and lists only their own orders, an `orders:operator` token
 * reads everybody's, and a missing or bad token is a 401 with a Bearer challenge.
 * With authentication off (the default) the other REST tests call without tokens.
 */
import { EXAMPLE_BODY, http, post, randomUserId, rowsOf, sql, startRestNode, type RestNode } from "./rest-support";
import { AUTH_SECRET, OPERATOR, bearer, token } from "../support/tokens";
import type { Client } from "pg";

interface OrderBody {
	order_id: number;
	user_id: number;
}
interface ListBody {
	orders: OrderBody[];
	next_cursor: string | null;
}

let node: RestNode;
let db: Client;
const alice = randomUserId();
const bob = randomUserId();
let aliceOrder: OrderBody;

beforeAll(async () => {
	node = await startRestNode({ AUTH_JWT_SECRET: AUTH_SECRET });
	db = await sql();
	const created = await post<OrderBody>(node.base, { ...EXAMPLE_BODY, user_id: undefined }, bearer(await token(alice)));
	expect(created.status).toBe(201);
	aliceOrder = created.body;
});

afterAll(async () => {
	await db?.end();
	await node?.stop();
});

describe("a request without a valid token", () => {
	const cases: [string, () => Promise<Record<string, string>>, string, RegExp][] = [
		["no Authorization header", async () => ({}), "UNAUTHORIZED", /^Bearer realm="orders"$/],
		["not a bearer scheme", async () => ({ authorization: "Basic dXNlcjpwYXNz" }), "INVALID_TOKEN", /error="invalid_token"/],
		["a token that is not a JWT", async () => bearer("not.a.jwt"), "INVALID_TOKEN", /error="invalid_token"/],
		["an expired token", async () => bearer(await token(alice, { expiresIn: -60 })), "INVALID_TOKEN", /error="invalid_token"/],
		["a token signed with another secret", async () => bearer(await token(alice, { key: new TextEncoder().encode("x".repeat(40)) })), "INVALID_TOKEN", /error="invalid_token"/],
		["an unsigned token (alg none)", async () => bearer(`${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ sub: String(alice) })).toString("base64url")}.`), "INVALID_TOKEN", /error="invalid_token"/],
		["a subject that is not a user id", async () => bearer(await token("alice")), "INVALID_TOKEN", /error="invalid_token"/],
	];

	it.each(cases)("%s: 401 with a Bearer challenge, nothing created", async (_name, headers, type, challenge) => {
		const user = randomUserId();
		const res = await post(node.base, { ...EXAMPLE_BODY, user_id: user }, await headers());
		expect(res.status).toBe(401);
		expect(res.headers.get("www-authenticate")).toMatch(challenge);
		expect(res.body).toEqual({ name: "UnauthorizedError", message: expect.any(String), code: 401, type, data: null });
		expect((await rowsOf(db, user, node.topic)).orders).toBe(0);
	});

	it.each(["/orders", `/orders/1`, `/orders/1/states`, "/orders/stuck"])("GET %s: 401", async (path) => {
		const res = await http(`${node.base}${path}`);
		expect(res.status).toBe(401);
		expect(res.headers.get("www-authenticate")).toBe('Bearer realm="orders"');
	});

	it.each(["/ping", "/health"])("GET %s needs no token (orchestrators' checks)", async (path) => {
		expect((await http(`${node.base}${path}`)).status).toBe(200);
	});
});

describe("a user's token", () => {
	it("creates for the token's user when the body names no user", () => {
		expect(aliceOrder.user_id).toBe(alice);
	});

	it("of a negative user (a Telegram group chat's id) creates and lists that user's orders", async () => {
		const group = -randomUserId();
		const auth = bearer(await token(String(group)));
		const created = await post<OrderBody>(node.base, { ...EXAMPLE_BODY, user_id: group }, auth);
		expect(created.status).toBe(201);
		const listed = await http<ListBody>(`${node.base}/orders`, { headers: auth });
		expect(listed.body.orders.map((o) => [o.order_id, o.user_id])).toEqual([[created.body.order_id, group]]);
	});

	it("creates with the token's own user_id in the body", async () => {
		const res = await post<OrderBody>(node.base, { ...EXAMPLE_BODY, user_id: alice }, bearer(await token(alice)));
		expect(res.status).toBe(201);
		expect(res.body.user_id).toBe(alice);
	});

	it("cannot create for another user: 403, nothing written", async () => {
		const victim = randomUserId();
		const res = await post(node.base, { ...EXAMPLE_BODY, user_id: victim }, bearer(await token(alice)));
		expect(res.status).toBe(403);
		expect(res.body).toEqual({ name: "ForbiddenError", message: expect.any(String), code: 403, type: "FORBIDDEN", data: null });
		expect(await rowsOf(db, victim, node.topic)).toMatchObject({ orders: 0, outbox: expect.any(Number) });
	});

	it("reads its own order and its states", async () => {
		const headers = bearer(await token(alice));
		expect((await http<OrderBody>(`${node.base}/orders/${aliceOrder.order_id}`, { headers })).body.order_id).toBe(aliceOrder.order_id);
		expect((await http(`${node.base}/orders/${aliceOrder.order_id}/states`, { headers })).status).toBe(200);
	});

	it("gets 404 for another user's order, the same answer as for an order that does not exist", async () => {
		const headers = bearer(await token(bob));
		for (const path of [`/orders/${aliceOrder.order_id}`, `/orders/${aliceOrder.order_id}/states`]) {
			const res = await http(`${node.base}${path}`, { headers });
			expect(res.status).toBe(404);
			expect(res.body).toEqual({ name: "NotFoundError", message: `Order ${aliceOrder.order_id} not found`, code: 404, type: "ORDER_NOT_FOUND", data: { order_id: aliceOrder.order_id } });
		}
	});

	it("lists only its own orders, with or without user_id", async () => {
		const headers = bearer(await token(bob));
		await post(node.base, { ...EXAMPLE_BODY, user_id: bob }, headers);
		for (const query of ["", `?user_id=${bob}`]) {
			const res = await http<ListBody>(`${node.base}/orders${query}`, { headers });
			expect(res.status).toBe(200);
			expect(res.body.orders.length).toBeGreaterThan(0);
			expect(res.body.orders.every((o) => o.user_id === bob)).toBe(true);
		}
	});

	it("cannot list another user's orders: 403", async () => {
		const res = await http(`${node.base}/orders?user_id=${alice}`, { headers: bearer(await token(bob)) });
		expect(res.status).toBe(403);
		expect(res.body).toMatchObject({ code: 403, type: "FORBIDDEN" });
	});

	it("cannot see stuck orders: 403 (operators only), from REST or the summary action", async () => {
		const res = await http(`${node.base}/orders/stuck`, { headers: bearer(await token(alice)) });
		expect(res.status).toBe(403);
		expect(res.body).toMatchObject({ name: "ForbiddenError", code: 403, type: "FORBIDDEN", data: null });
		await expect(node.broker.call("orders.stuckSummary", {}, { meta: { user: { userId: alice, operator: false } } })).rejects.toMatchObject({ code: 403 });
	});
});

describe("an operator's token (scope orders:operator)", () => {
	it("reads any user's order and lists any user's orders", async () => {
		const headers = bearer(await token(undefined, { claims: OPERATOR }));
		expect((await http(`${node.base}/orders/${aliceOrder.order_id}`, { headers })).status).toBe(200);
		const res = await http<ListBody>(`${node.base}/orders?user_id=${alice}`, { headers });
		expect(res.body.orders.map((o) => o.order_id)).toContain(aliceOrder.order_id);
	});

	it("lists stuck orders", async () => {
		const res = await http<{ orders: unknown[]; next_cursor: string | null }>(`${node.base}/orders/stuck?limit=5`, { headers: bearer(await token(undefined, { claims: OPERATOR })) });
		expect(res.status).toBe(200);
		expect(Object.keys(res.body).sort()).toEqual(["next_cursor", "orders"]);
		expect(Array.isArray(res.body.orders)).toBe(true);
	});

	it("lists every user's orders without user_id", async () => {
		const res = await http<ListBody>(`${node.base}/orders?limit=500`, { headers: bearer(await token(bob, { claims: OPERATOR })) });
		expect(res.status).toBe(200);
		expect(new Set(res.body.orders.map((o) => o.user_id)).size).toBeGreaterThan(1);
	});
});
