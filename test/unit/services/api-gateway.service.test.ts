/**
 * The REST gateway over HTTP on a free port, on an in-memory broker with
 * `orders` mocked as a service behind it: the routes, what each passes on
 * (params, Idempotency-Key, the authenticated caller), the 201 and Location of a
 * create, the contract's error shape, internal actions out of reach, and
 * GET /api/health from its checker (mocked: the real checks of PostgreSQL,
 * Redis and Kafka are in test/e2e/health.test.ts). The rate limit needs Redis:
 * test/e2e/rest-rate-limit.test.ts.
 */
import type { Server } from "node:http";
import { ServiceBroker, type Service, type ServiceSchema } from "moleculer";
import ApiGatewayService, { KEEP_ALIVE_MS } from "../../../services/api-gateway.service";
import { OrderNotFoundError } from "../../../domain/errors/catalog";
import { healthChecker, type DependencyAnswers } from "../../../lib/platform/observability/health";
import { UNREACHABLE_HEALTH_TARGETS } from "../../support/unit-health-targets";
import type { Config } from "../../../lib/platform/config/config";
import { AUTH_SECRET, bearer, OPERATOR, token } from "../../support/tokens";
import { callRecorder, startUnitBroker } from "../../support/unit-broker";

jest.mock("../../../lib/platform/observability/health", () => ({ ...jest.requireActual("../../../lib/platform/observability/health"), healthChecker: jest.fn() }));

const ORDER = { order_id: 41, user_id: 7, description: "two books", state: "ORDER_CREATED", created_at: "2026-12-04T16:00:00.000Z", order_products: [] };
const BODY = { user_id: 7, description: "two books", order_products: [{ product_id: 1, count: 2 }] };

const { calls, record } = callRecorder();
const notFound = () => OrderNotFoundError.of(404);

const OrdersMock = {
	name: "orders",
	actions: {
		create: record("orders.create", () => ORDER),
		get: record("orders.get", (p) => (p.order_id === "404" ? Promise.reject(notFound()) : ORDER)),
		// Order 500's states fail with internals in the error: none of them may reach the client.
		states: record("orders.states", (p) => (p.order_id === "500" ? Promise.reject(new Error("SELECT secret FROM orders on node-7")) : { order_states: [] })),
		list: record("orders.list", () => ({ orders: [], next_cursor: null })),
		stuck: record("orders.stuck", () => ({ orders: [], next_cursor: null })),
		overview: record("orders.overview", () => ({ window_minutes: 30 })),
		timeline: record("orders.timeline", () => ({ order_id: 41 })),
	},
};
const StateMock = {
	name: "state",
	actions: {
		apply: record("state.apply", () => ({ result: "applied" })),
		deadLetters: record("state.deadLetters", () => ({ dead_letters: [], next_cursor: null })),
		redrive: record("state.redrive", () => ({ redrive_id: 1, letters: [], more: false })),
		redrives: record("state.redrives", () => ({ redrives: [], next_cursor: null })),
	},
};

const HEALTH = UNREACHABLE_HEALTH_TARGETS;
const health = { answers: { postgresql: "up", redis: "up", kafka: "up" } as DependencyAnswers, checked_at: "2026-12-04T16:00:00.000Z" };
jest.mocked(healthChecker).mockImplementation(() => ({ check: async () => health, release: async () => undefined }));

interface Gateway {
	broker: ServiceBroker;
	base: string;
}

async function startGateway(security?: Partial<Config>): Promise<Gateway> {
	const settings = { port: 0, ip: "127.0.0.1", health: HEALTH, security };
	const broker = await startUnitBroker([{ ...ApiGatewayService, settings: { ...ApiGatewayService.settings, ...settings } }, OrdersMock, StateMock]);
	const { server } = broker.getLocalService("api-gateway") as Service & { server: Server };
	return { broker, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

async function request(base: string, path: string, init: RequestInit = {}) {
	const res = await fetch(base + path, init);
	const text = await res.text();
	return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}
const post = (base: string, body: unknown, headers: Record<string, string> = {}) =>
	request(base, "/api/orders", { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers });

it("refuses to be created without settings.health, or with a bad rate limit", () => {
	const create = (settings: object) => () =>
		new ServiceBroker({ logger: false }).createService({ ...ApiGatewayService, settings: { ...ApiGatewayService.settings, port: 0, ...settings } } as ServiceSchema);
	expect(create({})).toThrow("service api-gateway: settings.health is required");
	expect(create({ health: HEALTH, security: { createRateLimit: { limit: 0, windowMs: 1_000 } } })).toThrow(
		"service api-gateway: settings.security.createRateLimit.limit must be a positive number",
	);
});

describe("with authentication off", () => {
	let gw: Gateway;
	beforeAll(async () => {
		gw = await startGateway();
	});
	afterAll(() => gw.broker.stop());
	beforeEach(() => {
		calls.length = 0;
	});

	it("POST /orders creates with the client's Idempotency-Key and answers 201 with the order's Location", async () => {
		const res = await post(gw.base, BODY, { "Idempotency-Key": "key-1" });
		expect(res).toMatchObject({ status: 201, body: ORDER });
		expect(res.headers.get("location")).toBe("/api/orders/41");
		expect(calls).toEqual([{ action: "orders.create", params: BODY, meta: expect.objectContaining({ idempotency_key: "key-1", user: null }) }]);
		expect(calls[0].meta.idempotency_key_generated).toBeUndefined();
	});

	it("POST /orders without a key gives the create one of the gateway's own", async () => {
		await post(gw.base, BODY);
		expect(calls[0].meta.idempotency_key).toMatch(/^gateway:[0-9a-f-]{36}$/);
		expect(calls[0].meta.idempotency_key_generated).toBe(true);
	});

	it("reads a body sent as a form's content type as JSON, and refuses one that is not JSON with 400", async () => {
		await expect(post(gw.base, BODY, { "Content-Type": "application/x-www-form-urlencoded" })).resolves.toMatchObject({ status: 201 });
		const res = await post(gw.base, "{not json");
		expect(res).toMatchObject({ status: 400, body: { name: "BadRequestError", code: 400, type: "INVALID_JSON", data: null } });
	});

	it.each([
		["/api/orders/41", "orders.get", { order_id: "41" }],
		["/api/orders/41/states", "orders.states", { order_id: "41" }],
		["/api/orders?user_id=7&limit=2", "orders.list", { user_id: "7", limit: "2" }],
		["/api/orders/stuck?state=ORDER_CREATED", "orders.stuck", { state: "ORDER_CREATED" }],
		["/api/orders/41/timeline", "orders.timeline", { order_id: "41" }],
		["/api/overview", "orders.overview", {}],
		["/api/dead-letters?topic=payment&reason=malformed&status=all", "state.deadLetters", { topic: "payment", reason: "malformed", status: "all" }],
		["/api/dead-letters/redrives?limit=5", "state.redrives", { limit: "5" }],
	])("GET %s calls %s with the path and query as params", async (path, action, params) => {
		await expect(request(gw.base, path)).resolves.toMatchObject({ status: 200 });
		expect(calls).toEqual([{ action, params, meta: expect.objectContaining({ user: null }) }]);
	});

	it("POST /dead-letters/redrive calls state.redrive with the body and answers 200 (not a create's 201)", async () => {
		const body = { topic: "payment", partition: 0, offset: "12" };
		const res = await request(gw.base, "/api/dead-letters/redrive", { method: "POST", body: JSON.stringify(body) });
		expect(res).toMatchObject({ status: 200, body: { redrive_id: 1 } });
		expect(res.headers.get("location")).toBeNull();
		expect(calls).toEqual([{ action: "state.redrive", params: body, meta: expect.objectContaining({ user: null }) }]);
	});

	it("answers an action's error in the contract's shape, with its status", async () => {
		await expect(request(gw.base, "/api/orders/404")).resolves.toMatchObject({
			status: 404,
			body: { name: "NotFoundError", message: "Order 404 not found", code: 404, type: "ORDER_NOT_FOUND", data: { order_id: 404 } },
		});
	});

	it("answers an unexpected failure as a bare 500, nothing internal", async () => {
		const res = await request(gw.base, "/api/orders/500/states");
		expect(res).toMatchObject({ status: 500, body: { name: "InternalServerError", code: 500, type: "INTERNAL_ERROR", data: null } });
		expect(JSON.stringify(res.body)).not.toMatch(/SELECT|node-7|orders\.states/);
	});

	it.each([["/api/state/apply"], ["/api/$node/services"], ["/api/orders/stuck/summary"], ["/api/orders/41/unknown"]])("has no route for %s (404), and calls nothing", async (path) => {
		const res = await request(gw.base, path);
		expect(res).toMatchObject({ status: 404, body: { code: 404 } });
		expect(calls).toEqual([]);
	});

	it("GET /ping answers pong", async () => {
		await expect(request(gw.base, "/api/ping")).resolves.toMatchObject({ status: 200, body: { pong: true } });
	});

	it("keeps an idle connection open longer than a load balancer's idle timeout (the client closes first)", async () => {
		const { headers } = await request(gw.base, "/api/ping");
		expect(headers.get("keep-alive")).toBe(`timeout=${KEEP_ALIVE_MS / 1000}`);
	});

	it("GET /health answers 200 with every dependency up, 503 naming the one that is down", async () => {
		await expect(request(gw.base, "/api/health")).resolves.toMatchObject({ status: 200, body: { status: "ok", postgresql: "up", redis: "up", kafka: "up" } });
		health.answers.redis = "connect ECONNREFUSED 127.0.0.1:6379";
		try {
			const res = await request(gw.base, "/api/health");
			expect(res).toMatchObject({ status: 503, body: { code: 503, type: "DEPENDENCY_DOWN", data: { postgresql: "up", redis: "down", kafka: "up" } } });
			expect(JSON.stringify(res.body)).not.toContain("6379");
		} finally {
			health.answers.redis = "up";
		}
	});
});

describe("with authentication on", () => {
	let gw: Gateway;
	beforeAll(async () => {
		gw = await startGateway({ auth: { secret: AUTH_SECRET, userClaim: "sub" }, createRateLimit: null, namespace: "unit" });
	});
	afterAll(() => gw.broker.stop());
	beforeEach(() => {
		calls.length = 0;
	});

	it("refuses a request without a token with 401 and a Bearer challenge, before any action", async () => {
		const res = await request(gw.base, "/api/orders/41");
		expect(res).toMatchObject({ status: 401, body: { code: 401 } });
		expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
		expect(calls).toEqual([]);
	});

	it("passes the token's caller on as meta.user, and a create without user_id is for the token's user", async () => {
		const withoutUser = { description: BODY.description, order_products: BODY.order_products };
		await expect(post(gw.base, withoutUser, bearer(await token(7)))).resolves.toMatchObject({ status: 201 });
		expect(calls[0]).toMatchObject({ params: { ...withoutUser, user_id: 7 }, meta: { user: { userId: 7, operator: false } } });
	});

	it.each([["/api/orders/stuck", "orders.stuck"], ["/api/dead-letters", "state.deadLetters"], ["/api/overview", "orders.overview"]])(
		"passes an operator's token on as an operator (GET %s)",
		async (path, action) => {
			await request(gw.base, path, { headers: bearer(await token(undefined, { claims: OPERATOR })) });
			expect(calls[0]).toMatchObject({ action, meta: { user: { operator: true } } });
		},
	);

	it("leaves /ping and /health open (an orchestrator's checks carry no token)", async () => {
		await expect(request(gw.base, "/api/ping")).resolves.toMatchObject({ status: 200 });
		await expect(request(gw.base, "/api/health")).resolves.toMatchObject({ status: 200 });
	});
});
