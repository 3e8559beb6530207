/**
 * The operator console's routes on the REST gateway (mixins/console-pages.mixin.ts)
 * over HTTP on a free port, on an in-memory broker with `orders` and `state`
 * mocked behind it: the pages and assets (open), each fragment's action called
 * with the query or form it was sent, the HTML content type, and the operator
 * check with authentication on. The renderers are mocked to say what they were
 * handed: what they draw is tested in Chromium, test/e2e/console.test.ts.
 */
import type { Server } from "node:http";
import type { Service, ServiceBroker } from "moleculer";
import ApiGatewayService from "../../../services/api-gateway.service";
import { healthChecker } from "../../../lib/platform/observability/health";
import type { Config } from "../../../lib/platform/config/config";
import { UNREACHABLE_HEALTH_TARGETS } from "../../support/unit-health-targets";
import { renderOverview } from "../../../lib/console/render-overview";
import { renderDeadLetters, renderRedrives, renderStuck } from "../../../lib/console/render-operations";
import { renderOrderList, renderTimeline } from "../../../lib/console/render-orders";
import { AUTH_SECRET, bearer, OPERATOR, token } from "../../support/tokens";
import { callRecorder, startUnitBroker } from "../../support/unit-broker";

jest.mock("../../../lib/platform/observability/health", () => ({ ...jest.requireActual("../../../lib/platform/observability/health"), healthChecker: jest.fn() }));
jest.mock("../../../lib/console/render-overview");
jest.mock("../../../lib/console/render-operations");
jest.mock("../../../lib/console/render-orders");

const LETTERS = { dead_letters: [{ offset: "12" }], next_cursor: "c2" };
const REDRIVE = { redrive_id: 3, letters: [], more: false };

const { calls, record } = callRecorder();
const OrdersMock = {
	name: "orders",
	actions: {
		overview: record("orders.overview", () => ({ window_minutes: 30 })),
		list: record("orders.list", () => ({ orders: [{ order_id: 9 }], next_cursor: "c1" })),
		get: record("orders.get", (p) => (p.order_id === "404" ? Promise.reject(Object.assign(new Error("Order 404 not found"), { code: 404 })) : { order_id: 41 })),
		timeline: record("orders.timeline", () => ({ order_id: 41, state: "ORDER_CREATED" })),
		stuck: record("orders.stuck", () => ({ orders: [{ order_id: 5 }], next_cursor: null })),
	},
};
const StateMock = {
	name: "state",
	actions: {
		deadLetters: record("state.deadLetters", () => LETTERS),
		redrive: record("state.redrive", () => REDRIVE),
		redrives: record("state.redrives", () => ({ redrives: [REDRIVE], next_cursor: null })),
	},
};

const RENDERERS = [renderOverview, renderDeadLetters, renderRedrives, renderStuck, renderOrderList, renderTimeline];
jest.mocked(healthChecker).mockImplementation(() => ({ check: async () => ({ answers: {}, checked_at: "" }) as never, release: async () => undefined }));

interface Console {
	broker: ServiceBroker;
	base: string;
}

/** The gateway; `withoutRestAliases` takes those /api routes away, as a gateway without them would have. */
async function startConsole(security?: Partial<Config>, withoutRestAliases: string[] = []): Promise<Console> {
	const [api, ...others] = ApiGatewayService.settings!.routes!;
	const aliases = Object.fromEntries(Object.entries(api.aliases!).filter(([alias]) => !withoutRestAliases.includes(alias)));
	const settings = { ...ApiGatewayService.settings, port: 0, ip: "127.0.0.1", health: UNREACHABLE_HEALTH_TARGETS, security, routes: [{ ...api, aliases }, ...others] };
	const broker = await startUnitBroker([{ ...ApiGatewayService, settings }, OrdersMock, StateMock]);
	const { server } = broker.getLocalService("api-gateway") as Service & { server: Server };
	return { broker, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

async function get(base: string, path: string, init: RequestInit = {}) {
	const res = await fetch(base + path, init);
	return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

beforeEach(() => {
	calls.length = 0;
	for (const render of RENDERERS) jest.mocked(render).mockReset().mockReturnValue({ text: `<p>${render.name}</p>` } as never);
});

describe("with authentication off", () => {
	let gw: Console;
	beforeAll(async () => {
		gw = await startConsole();
	});
	afterAll(() => gw.broker.stop());

	it.each([
		["/console", "/console/fragments/overview"],
		["/console/orders", "/console/fragments/orders"],
		["/console/orders/41", "/console/fragments/orders/41/timeline"],
		["/console/stuck", "/console/fragments/stuck"],
		["/console/dead-letters", "/console/fragments/dead-letters"],
	])("serves the page %s as HTML loading %s, calling no action", async (path, fragment) => {
		await expect(get(gw.base, path)).resolves.toMatchObject({ status: 200, type: "text/html; charset=utf-8", body: expect.stringContaining(`"${fragment}`) });
		expect(calls).toEqual([]);
	});

	it("answers 404 for an order page whose id is not one, and for an asset not in the list", async () => {
		await expect(get(gw.base, "/console/orders/abc")).resolves.toMatchObject({ status: 404 });
		await expect(get(gw.base, "/console/assets/..%2Fpackage.json")).resolves.toMatchObject({ status: 404 });
		await expect(get(gw.base, "/console/assets/console.css")).resolves.toMatchObject({ status: 200, type: "text/css; charset=utf-8" });
	});

	it.each([
		["/console/fragments/overview", "orders.overview", {}, renderOverview, [{ window_minutes: 30 }]],
		["/console/fragments/orders?user_id=7&state=&cursor=c0", "orders.list", { user_id: "7", cursor: "c0" }, renderOrderList, [[{ order_id: 9 }], "user_id=7&cursor=c1"]],
		["/console/fragments/orders?order_id=41", "orders.get", { order_id: "41" }, renderOrderList, [[{ order_id: 41 }], null]],
		["/console/fragments/orders?order_id=404", "orders.get", { order_id: "404" }, renderOrderList, [[], null]],
		["/console/fragments/stuck?state=ORDER_CREATED&cursor=", "orders.stuck", { state: "ORDER_CREATED" }, renderStuck, [[{ order_id: 5 }], null, { state: "ORDER_CREATED" }]],
		["/console/fragments/dead-letters?topic=payment&reason=&order_id=41", "state.deadLetters", { topic: "payment", order_id: "41" }, renderDeadLetters, [LETTERS.dead_letters, "c2"]],
		["/console/fragments/dead-letters/redrives", "state.redrives", {}, renderRedrives, [[REDRIVE]]],
	])("GET %s calls %s with the filled fields and renders its answer as HTML", async (path, action, params, render, rendered) => {
		await expect(get(gw.base, path)).resolves.toMatchObject({ status: 200, type: "text/html; charset=utf-8", body: `<p>${render.name}</p>` });
		expect(calls).toEqual([expect.objectContaining({ action, params })]);
		expect(render).toHaveBeenCalledWith(...rendered);
	});

	it("GET /fragments/orders/41/timeline renders the timeline with the order's dead letters", async () => {
		await expect(get(gw.base, "/console/fragments/orders/41/timeline")).resolves.toMatchObject({ status: 200, body: "<p>renderTimeline</p>" });
		expect(calls.map(({ action, params }) => ({ action, params }))).toEqual([
			{ action: "orders.timeline", params: { order_id: "41" } },
			{ action: "state.deadLetters", params: { order_id: "41" } },
		]);
		expect(renderTimeline).toHaveBeenCalledWith({ order_id: 41, state: "ORDER_CREATED" }, LETTERS.dead_letters);
	});

	it("POST /fragments/dead-letters/redrive sends the form's numbers as numbers, then renders the letters with what was done", async () => {
		const form = new URLSearchParams({ topic: "payment", partition: "0", offset: "12", reason: "", order_id: "" });
		const res = await get(gw.base, "/console/fragments/dead-letters/redrive", { method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded" } });
		expect(res).toMatchObject({ status: 200, body: "<p>renderDeadLetters</p>" });
		expect(calls.map(({ action, params }) => ({ action, params }))).toEqual([
			{ action: "state.redrive", params: { topic: "payment", partition: 0, offset: "12" } },
			{ action: "state.deadLetters", params: {} },
		]);
		expect(renderDeadLetters).toHaveBeenCalledWith(LETTERS.dead_letters, "c2", REDRIVE);
	});
});

describe("on a gateway without the dead-letter and stuck routes", () => {
	let gw: Console;
	beforeAll(async () => {
		gw = await startConsole(undefined, ["GET /dead-letters", "GET /orders/stuck"]);
	});
	afterAll(() => gw.broker.stop());

	it("answers their fragments 404 and shows a timeline without dead letters, calling no hidden action", async () => {
		await expect(get(gw.base, "/console/fragments/dead-letters")).resolves.toMatchObject({ status: 404 });
		await expect(get(gw.base, "/console/fragments/stuck")).resolves.toMatchObject({ status: 404 });
		await expect(get(gw.base, "/console/fragments/orders/41/timeline")).resolves.toMatchObject({ status: 200 });
		expect(calls.map((c) => c.action)).toEqual(["orders.timeline"]);
		expect(renderTimeline).toHaveBeenCalledWith(expect.anything(), null);
	});
});

describe("with authentication on", () => {
	let gw: Console;
	beforeAll(async () => {
		gw = await startConsole({ auth: { secret: AUTH_SECRET, userClaim: "sub" }, createRateLimit: null, namespace: "unit" });
	});
	afterAll(() => gw.broker.stop());

	it("serves the pages without a token (they hold no data)", async () => {
		await expect(get(gw.base, "/console")).resolves.toMatchObject({ status: 200 });
	});

	it("refuses a fragment without a token (401) and to a token without the operator scope (403), calling nothing", async () => {
		await expect(get(gw.base, "/console/fragments/overview")).resolves.toMatchObject({ status: 401 });
		await expect(get(gw.base, "/console/fragments/dead-letters", { headers: bearer(await token(7)) })).resolves.toMatchObject({ status: 403 });
		expect(calls).toEqual([]);
	});

	it("serves a fragment to an operator, passing the operator on", async () => {
		await expect(get(gw.base, "/console/fragments/overview", { headers: bearer(await token(undefined, { claims: OPERATOR })) })).resolves.toMatchObject({ status: 200 });
		expect(calls).toEqual([expect.objectContaining({ action: "orders.overview", meta: expect.objectContaining({ user: expect.objectContaining({ operator: true }) }) })]);
	});
});
