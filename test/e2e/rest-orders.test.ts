/**
 * POST/GET over HTTP as a client sees them: the example body, the input rules
 * (each refused with the contract's code, naming the field, leaving no row),
 * Idempotency-Key, 100 concurrent creates, and paging.
 */
import { randomUUID } from "node:crypto";
import type { Client } from "pg";
import { EXAMPLE_BODY, http, post, randomUserId, rowsOf, sql, startRestNode, type RestNode } from "./rest-support";

interface OrderBody {
	order_id: number;
	user_id: number;
	description: string;
	state: string;
	created_at: string;
	order_products: { product_id: number; count: number }[];
}
interface ListBody {
	orders: Omit<OrderBody, "order_products">[];
	next_cursor: string | null;
}
interface ErrorBody {
	name: string;
	message: string;
	code: number;
	type: string;
	data: { field: string; type: string; message: string }[] | null;
}

let node: RestNode;
let db: Client;

beforeAll(async () => {
	node = await startRestNode();
	db = await sql();
});

afterAll(async () => {
	await db?.end();
	await node?.stop();
});

describe("the example body", () => {
	let order: OrderBody;

	beforeAll(async () => {
		const res = await post<OrderBody>(node.base, EXAMPLE_BODY);
		expect(res.status).toBe(201);
		order = res.body;
	});

	it("answers 201 with Location, also when curl -d sends a form content type", async () => {
		const res = await post<OrderBody>(node.base, EXAMPLE_BODY, { "content-type": "application/x-www-form-urlencoded" });
		expect(res.status).toBe(201);
		expect(res.headers.get("location")).toBe(`/api/orders/${res.body.order_id}`);
		expect(res.body.order_products).toEqual(EXAMPLE_BODY.order_products);
	});

	it("creates an order and answers with its GET shape", async () => {
		expect(order).toEqual({
			order_id: expect.any(Number),
			user_id: 1,
			description: "Hello world",
			state: "ORDER_CREATED",
			created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			order_products: EXAMPLE_BODY.order_products,
		});
		const res = await http<OrderBody>(`${node.base}/orders/${order.order_id}`);
		expect(res.status).toBe(200);
		expect(res.body).toEqual(order);
	});

	it("has one state, ORDER_CREATED, with its time", async () => {
		const res = await http<{ order_states: { state: string; time: string }[] }>(`${node.base}/orders/${order.order_id}/states`);
		expect(res.status).toBe(200);
		expect(res.body.order_states).toEqual([{ state: "ORDER_CREATED", time: expect.any(String) }]);
		expect(Number.isNaN(Date.parse(res.body.order_states[0].time))).toBe(false);
	});

	it("wrote exactly one outbox event for it, with a fresh idempotent_key", async () => {
		const { rows } = await db.query("SELECT message_key, payload FROM outbox WHERE topic = $1 AND message_key = $2", [node.topic, String(order.order_id)]);
		expect(rows).toEqual([{ message_key: String(order.order_id), payload: { idempotent_key: expect.stringMatching(/^[0-9a-f-]{36}$/), order_id: order.order_id, status: "CREATED" } }]);
	});

	it("is found by list?user_id=1, paging with the cursor", async () => {
		let cursor: string | null = null;
		let found = false;
		for (let page = 0; page < 50 && !found; page++) {
			const query: string = `user_id=1&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
			const res = await http<ListBody>(`${node.base}/orders?${query}`);
			expect(res.status).toBe(200);
			expect(res.body.orders.every((o) => o.user_id === 1)).toBe(true);
			found = res.body.orders.some((o) => o.order_id === order.order_id);
			cursor = res.body.next_cursor;
			if (!cursor) break;
		}
		expect(found).toBe(true);
	});
});

describe("list", () => {
	it("lists one user's orders newest first, with the summary shape", async () => {
		const userId = randomUserId();
		const ids: number[] = [];
		for (let i = 0; i < 3; i++) ids.push((await post<OrderBody>(node.base, { ...EXAMPLE_BODY, user_id: userId })).body.order_id);
		const res = await http<ListBody>(`${node.base}/orders?user_id=${userId}`);
		expect(res.status).toBe(200);
		expect(res.body.orders.map((o) => o.order_id)).toEqual([...ids].reverse());
		expect(Object.keys(res.body.orders[0]).sort()).toEqual(["created_at", "description", "order_id", "state", "user_id"]);
		expect(res.body.next_cursor).toBeNull();
	});

	it("takes a negative user id (a Telegram group chat's) to create and to list", async () => {
		const userId = -randomUserId();
		const created = await post<OrderBody>(node.base, { ...EXAMPLE_BODY, user_id: userId });
		expect(created.status).toBe(201);
		expect(created.body.user_id).toBe(userId);
		const res = await http<ListBody>(`${node.base}/orders?user_id=${userId}`);
		expect(res.status).toBe(200);
		expect(res.body.orders.map((o) => [o.order_id, o.user_id])).toEqual([[created.body.order_id, userId]]);
		expect((await http<OrderBody>(`${node.base}/orders/${created.body.order_id}`)).body.user_id).toBe(userId);
	});

	it("filters by the orders' latest state; a state that is not one -> 422", async () => {
		const userId = randomUserId();
		const created = await post<OrderBody>(node.base, { ...EXAMPLE_BODY, user_id: userId });
		const listed = async (state: string) => (await http<ListBody>(`${node.base}/orders?user_id=${userId}&state=${state}`)).body.orders.map((o) => o.order_id);
		expect(await listed("ORDER_CREATED")).toEqual([created.body.order_id]);
		expect(await listed("PAYMENT_COMPLETED")).toEqual([]);
		const bad = await http<ErrorBody>(`${node.base}/orders?state=SHIPPED`);
		expect(bad.status).toBe(422);
		expect(bad.body.data?.map((e) => e.field)).toEqual(["state"]);
	});

	it("without user_id lists all orders, newest first", async () => {
		const res = await http<ListBody>(`${node.base}/orders?limit=5`);
		expect(res.status).toBe(200);
		const ids = res.body.orders.map((o) => o.order_id);
		expect(ids).toEqual([...ids].sort((a, b) => b - a));
		expect(ids.length).toBeGreaterThan(0);
	});

	it("pages stay stable while new orders arrive", async () => {
		const userId = randomUserId();
		const before: number[] = [];
		for (let i = 0; i < 5; i++) before.push((await post<OrderBody>(node.base, { ...EXAMPLE_BODY, user_id: userId })).body.order_id);
		const seen: number[] = [];
		let cursor: string | null = null;
		do {
			const query: string = `user_id=${userId}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
			const res = await http<ListBody>(`${node.base}/orders?${query}`);
			expect(res.status).toBe(200);
			seen.push(...res.body.orders.map((o) => o.order_id));
			cursor = res.body.next_cursor;
			// A new order between two pages must neither repeat nor hide an order.
			await post(node.base, { ...EXAMPLE_BODY, user_id: userId });
		} while (cursor);
		expect(seen).toEqual([...before].reverse());
	});

	it.each([
		["limit=0", "limit"],
		["limit=501", "limit"],
		["limit=abc", "limit"],
		["user_id=0", "user_id"],
		["user_id=-0", "user_id"],
		["user_id=1.5", "user_id"],
		["user_id=-9007199254740992", "user_id"],
		["cursor=not-a-cursor", "cursor"],
		["colour=red", "colour"],
	])("refuses ?%s with 422 naming %s", async (query, field) => {
		const res = await http<ErrorBody>(`${node.base}/orders?${query}`);
		expect(res.status).toBe(422);
		expect(res.body.data?.map((e) => e.field)).toContain(field);
	});
});

describe("bad input", () => {
	const userId = randomUserId();
	const body = (patch: Record<string, unknown>) => ({ ...EXAMPLE_BODY, user_id: userId, ...patch });
	const products = (n: number) => Array.from({ length: n }, (_, i) => ({ product_id: i + 1, count: 1 }));

	const cases: [string, unknown, string][] = [
		["user_id missing", { order_products: products(1) }, "user_id"],
		["user_id 0", body({ user_id: 0 }), "user_id"],
		["user_id -2^53", body({ user_id: -(2 ** 53) }), "user_id"],
		["user_id 1.5", body({ user_id: 1.5 }), "user_id"],
		['user_id "1"', body({ user_id: "1" }), "user_id"],
		["user_id 2^64", body({ user_id: 2 ** 64 }), "user_id"],
		["order_products empty", body({ order_products: [] }), "order_products"],
		["order_products missing", { user_id: userId }, "order_products"],
		["count 0", body({ order_products: [{ product_id: 3, count: 0 }] }), "order_products[0].count"],
		["count 1.5", body({ order_products: [{ product_id: 3, count: 1.5 }] }), "order_products[0].count"],
		["product_id 0", body({ order_products: [{ product_id: 0, count: 1 }] }), "order_products[0].product_id"],
		["101 items", body({ order_products: products(101) }), "order_products"],
		["a product_id twice", body({ order_products: [{ product_id: 3, count: 1 }, { product_id: 3, count: 2 }] }), "order_products"],
		["1001-character description", body({ description: "x".repeat(1001) }), "description"],
		["description not a string", body({ description: 5 }), "description"],
		["1001 emoji as description", body({ description: "😀".repeat(1001) }), "description"],
		["a NUL character in the description", body({ description: "a\u0000b" }), "description"],
		["an unknown field", body({ price: 10 }), "price"],
		["an unknown product field", body({ order_products: [{ product_id: 3, count: 1, price: 10 }] }), "order_products[0].price"],
		["an array body", [body({})], "0"],
	];

	it.each(cases)("%s -> 422 naming the field, no row written", async (_label, json, field) => {
		const before = await rowsOf(db, userId, node.topic);
		const res = await post<ErrorBody>(node.base, json);
		expect(res.status).toBe(422);
		expect(res.body).toEqual({ name: "ValidationError", message: expect.stringContaining(`'${field}'`), code: 422, type: "VALIDATION_ERROR", data: expect.any(Array) });
		expect(res.body.data?.map((e) => e.field)).toContain(field);
		expect(await rowsOf(db, userId, node.topic)).toEqual(before);
	});

	it("accepts the limits themselves: 100 items, 1000 characters (emoji too), an empty or absent description", async () => {
		for (const json of [
			body({ order_products: products(100) }),
			body({ description: "x".repeat(1000) }),
			body({ description: "😀".repeat(1000) }),
			body({ description: "" }),
			{ user_id: userId, order_products: products(1) },
		]) {
			const res = await post<OrderBody>(node.base, json);
			expect(res.status).toBe(201);
		}
		const created = await rowsOf(db, userId, node.topic);
		expect(created.orders).toBe(5);
	});

	it("a body that is not JSON -> 400", async () => {
		const before = await rowsOf(db, userId, node.topic);
		const res = await http<ErrorBody>(`${node.base}/orders`, { method: "POST", body: `{"user_id": ${userId}, ` });
		expect(res.status).toBe(400);
		expect(res.body).toEqual({ name: "BadRequestError", message: expect.stringContaining("JSON"), code: 400, type: "INVALID_JSON", data: null });
		expect(await rowsOf(db, userId, node.topic)).toEqual(before);
	});

	it("a body in a charset it cannot read as JSON -> 400", async () => {
		const before = await rowsOf(db, userId, node.topic);
		const res = await http<ErrorBody>(`${node.base}/orders`, {
			method: "POST",
			body: JSON.stringify(body({})),
			headers: { "content-type": "application/json; charset=latin1" },
		});
		expect(res.status).toBe(400);
		expect(res.body).toMatchObject({ code: 400, type: "INVALID_JSON" });
		expect(await rowsOf(db, userId, node.topic)).toEqual(before);
	});

	it("a 1 MiB body -> 413", async () => {
		const before = await rowsOf(db, userId, node.topic);
		const res = await post<ErrorBody>(node.base, body({ description: "x".repeat(1024 * 1024) }));
		expect(res.status).toBe(413);
		expect(res.body).toMatchObject({ name: "PayloadTooLargeError", code: 413, type: "PAYLOAD_TOO_LARGE" });
		expect(await rowsOf(db, userId, node.topic)).toEqual(before);
	});

	it("an unknown order -> 404 on get and states", async () => {
		for (const path of ["/orders/9007199254740991", "/orders/9007199254740991/states"]) {
			const res = await http<ErrorBody>(`${node.base}${path}`);
			expect(res.status).toBe(404);
			expect(res.body).toEqual({ name: "NotFoundError", message: "Order 9007199254740991 not found", code: 404, type: "ORDER_NOT_FOUND", data: { order_id: 9007199254740991 } });
		}
	});

	it.each(["abc", "0", "-1", "1.5", "0123", "1e3", "18446744073709551616"])("order id %s -> 422 naming order_id", async (id) => {
		for (const path of [`/orders/${id}`, `/orders/${id}/states`]) {
			const res = await http<ErrorBody>(`${node.base}${path}`);
			expect(res.status).toBe(422);
			expect(res.body.data?.map((e) => e.field)).toEqual(["order_id"]);
		}
	});
});

describe("Idempotency-Key", () => {
	it("the same key and body twice create one order and answer it both times", async () => {
		const userId = randomUserId();
		const key = randomUUID();
		const first = await post<OrderBody>(node.base, { ...EXAMPLE_BODY, user_id: userId }, { "Idempotency-Key": key });
		// Same request, fields in another order: the same request.
		const again = await post<OrderBody>(node.base, { description: "Hello world", user_id: userId, order_products: EXAMPLE_BODY.order_products }, { "Idempotency-Key": key });
		expect(first.status).toBe(201);
		expect(again.status).toBe(201);
		expect(again.body).toEqual(first.body);
		expect((await rowsOf(db, userId, node.topic)).orders).toBe(1);
	});

	it("the same key with another body -> 409, nothing created", async () => {
		const userId = randomUserId();
		const key = randomUUID();
		await post(node.base, { ...EXAMPLE_BODY, user_id: userId }, { "Idempotency-Key": key });
		const before = await rowsOf(db, userId, node.topic);
		const res = await post<ErrorBody>(node.base, { ...EXAMPLE_BODY, user_id: userId, description: "other" }, { "Idempotency-Key": key });
		expect(res.status).toBe(409);
		expect(res.body).toMatchObject({ name: "ConflictError", code: 409, type: "IDEMPOTENCY_KEY_REUSED" });
		expect(res.body.message).toContain("Idempotency-Key");
		expect(await rowsOf(db, userId, node.topic)).toEqual(before);
	});

	it("10 concurrent requests with one key create one order, all answered with it", async () => {
		const userId = randomUserId();
		const key = randomUUID();
		const results = await Promise.all(Array.from({ length: 10 }, () => post<OrderBody>(node.base, { ...EXAMPLE_BODY, user_id: userId }, { "Idempotency-Key": key })));
		expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
		expect(new Set(results.map((r) => r.body.order_id)).size).toBe(1);
		expect(await rowsOf(db, userId, node.topic)).toEqual({ orders: 1, products: 2, states: 1, outbox: expect.any(Number) });
		const { rows } = await db.query("SELECT count(*)::int AS n FROM outbox WHERE topic = $1 AND message_key = $2", [node.topic, String(results[0].body.order_id)]);
		expect(rows[0].n).toBe(1);
	});

	it("a key longer than 255 characters -> 422", async () => {
		const res = await post<ErrorBody>(node.base, EXAMPLE_BODY, { "Idempotency-Key": "x".repeat(256) });
		expect(res.status).toBe(422);
		expect(res.body.data?.map((e) => e.field)).toEqual(["Idempotency-Key"]);
	});
});

it("100 concurrent creates give 100 whole orders: products, one ORDER_CREATED, one outbox event each", async () => {
	const userId = randomUserId();
	const results = await Promise.all(
		Array.from({ length: 100 }, (_, i) =>
			post<OrderBody>(node.base, { user_id: userId, description: `order ${i}`, order_products: [{ product_id: i + 1, count: 1 }, { product_id: 1000 + i, count: i + 1 }] }),
		),
	);
	expect(results.map((r) => r.status)).toEqual(Array(100).fill(201));
	const { rows } = await db.query(
		`SELECT o.order_id,
			(SELECT count(*) FROM order_products p WHERE p.order_id = o.order_id)::int AS products,
			(SELECT count(*) FROM order_states s WHERE s.order_id = o.order_id AND s.state = 'ORDER_CREATED')::int AS created,
			(SELECT count(*) FROM order_states s WHERE s.order_id = o.order_id)::int AS states,
			(SELECT count(*) FROM outbox x WHERE x.topic = $2 AND x.message_key = o.order_id::text AND (x.payload->>'order_id')::bigint = o.order_id)::int AS events
		FROM orders o WHERE o.user_id = $1`,
		[userId, node.topic],
	);
	expect(rows).toHaveLength(100);
	expect(rows.every((r) => r.products === 2 && r.created === 1 && r.states === 1 && r.events === 1)).toBe(true);
	expect(new Set(results.map((r) => r.body.order_id))).toEqual(new Set(rows.map((r) => Number(r.order_id))));
});
