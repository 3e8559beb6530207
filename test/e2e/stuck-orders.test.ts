/**
 * Stuck orders from the outside, on a database of this file's own (so every
 * figure is explained by these orders alone): orders created over REST whose
 * reserve answer never comes turn up in GET /api/orders/stuck and in the
 * orders_stuck gauge after STUCK_AFTER_ORDER_CREATED_MS and not before; an order
 * answered on the reserve topic waits in RESERVE_CREATED under its own deadline;
 * paging, the state filter, the 422s; the time spent per state; and one node of
 * a cluster at a time exporting the gauges.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import { freePort } from "../../dev/cluster/ports";
import { privateDatabase, type PrivateDatabase } from "../../dev/cluster/private-database";
import { startNode } from "../support/cluster";
import { scrape, value, type MetricsPage } from "../support/metrics-page";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { TEST_DATABASE_URL } from "../support/test-env";
import { waitFor } from "../support/wait";
import { EXAMPLE_BODY, http, post, randomUserId, useOwnOrderTopic } from "./rest-support";

const ORDER_CREATED_DEADLINE_MS = 10_000;
const RESERVE_CREATED_DEADLINE_MS = 1_000;

interface StuckOrder {
	order_id: number;
	state: string;
	since: string;
	awaiting: string;
}
interface StuckPage {
	orders: StuckOrder[];
	next_cursor: string | null;
}
interface Created {
	order_id: number;
	created_at: string;
}

const topics = useSagaTopics(1);
let db: PrivateDatabase;
let node: ServiceBroker | undefined;
let base: string;
let metricsUrl: string;
/** Created over REST; no reserve answer ever comes for these. */
const unanswered: Created[] = [];
/** Created over REST, then answered with reserve CREATED. */
let answered: Created;

const create = async (): Promise<Created> => {
	const res = await post<Created>(base, { ...EXAMPLE_BODY, user_id: randomUserId() });
	expect(res.status).toBe(201);
	return res.body;
};
const stuck = (query = "") => http<StuckPage>(`${base}/orders/stuck${query}`);
const stuckIds = async (query = ""): Promise<number[]> => {
	const res = await stuck(query);
	expect(res.status).toBe(200);
	return res.body.orders.map((o) => o.order_id);
};
const gauge = (page: MetricsPage, name: string, state: string) => value(page, name, { state });

beforeAll(async () => {
	db = await privateDatabase(TEST_DATABASE_URL, "stuck_");
	await useOwnOrderTopic();
	await topics.setUp();
	const [port, metricsPort] = [await freePort(), await freePort()];
	base = `http://127.0.0.1:${port}/api`;
	metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
	node = await startNode(["api-gateway", "orders", "state", "reserve-listener", "outbox-relay"], {
		DATABASE_URL: db.url,
		PORT: String(port),
		METRICS: "on",
		METRICS_PORT: String(metricsPort),
		STUCK_AFTER_ORDER_CREATED_MS: String(ORDER_CREATED_DEADLINE_MS),
		STUCK_AFTER_RESERVE_CREATED_MS: String(RESERVE_CREATED_DEADLINE_MS),
		STUCK_AFTER_PAYMENT_CREATED_MS: "60000",
	});
	answered = await create();
	await topics.send(topics.reserve, sagaMessage(answered.order_id, "CREATED"), String(answered.order_id));
	await waitFor(async () => ((await http<{ state: string }>(`${base}/orders/${answered.order_id}`)).body.state === "RESERVE_CREATED" ? true : undefined), "the reserve answer applied");
	for (let i = 0; i < 4; i++) unanswered.push(await create());
});

afterAll(async () => {
	await node?.stop();
	await topics.tearDown();
	await db?.drop();
});

describe("an order whose reserve answer never comes", () => {
	it("is stuck after its deadline and not before, in GET /api/orders/stuck and in the gauge", async () => {
		const [first, last] = [unanswered[0], unanswered.at(-1) as Created];
		const deadline = Date.parse(first.created_at) + ORDER_CREATED_DEADLINE_MS;
		const reserved = await waitFor(async () => (await stuck("?state=RESERVE_CREATED")).body.orders[0], "the answered order stuck in RESERVE_CREATED");
		expect(reserved.order_id).toBe(answered.order_id);

		// The answered order is past its 1 s deadline in RESERVE_CREATED. The gauge of its age tells when a
		// tick ran (its since + its age): wait for a tick after the last create.
		const early = await waitFor(async () => {
			const page = await scrape(metricsUrl);
			const age = gauge(page, "orders_stuck_oldest_seconds", "RESERVE_CREATED") ?? 0;
			return Date.parse(reserved.since) + age * 1000 > Date.parse(last.created_at) ? page : undefined;
		}, "a tick after the last create");
		const tickedAt = Date.parse(reserved.since) + (gauge(early, "orders_stuck_oldest_seconds", "RESERVE_CREATED") ?? 0) * 1000;
		const earlyIds = await stuckIds();
		expect(tickedAt).toBeLessThan(deadline);
		expect(Date.now()).toBeLessThan(deadline); // the REST read too happened before the unanswered orders' deadline
		expect(gauge(early, "orders_stuck", "RESERVE_CREATED")).toBe(1);
		expect(gauge(early, "orders_stuck", "ORDER_CREATED")).toBe(0);
		expect(gauge(early, "orders_stuck_oldest_seconds", "ORDER_CREATED")).toBe(0);
		expect(gauge(early, "orders_stuck", "PAYMENT_CREATED")).toBe(0);
		expect(earlyIds).toEqual([answered.order_id]);

		const late = await waitFor(async () => {
			const page = await scrape(metricsUrl);
			return gauge(page, "orders_stuck", "ORDER_CREATED") === unanswered.length ? page : undefined;
		}, "the unanswered orders stuck in ORDER_CREATED");
		expect(Date.now()).toBeGreaterThanOrEqual(deadline);
		expect(gauge(late, "orders_stuck_oldest_seconds", "ORDER_CREATED")).toBeGreaterThanOrEqual(ORDER_CREATED_DEADLINE_MS / 1000);

		const res = await stuck("?state=ORDER_CREATED&limit=1");
		expect(res.status).toBe(200);
		expect(res.body.orders).toEqual([
			{ order_id: first.order_id, state: "ORDER_CREATED", since: expect.stringMatching(/^\d{4}-.*\.\d{6}Z$/), awaiting: `the reserve answer (CREATED or FAILED) on topic ${topics.reserve}` },
		]);
		// `since` is when the order entered its state: for ORDER_CREATED, its creation.
		expect(Date.parse(res.body.orders[0].since)).toBe(Date.parse(first.created_at));
		expect(res.body.next_cursor).toEqual(expect.any(String));
	});
});

describe("GET /api/orders/stuck", () => {
	beforeAll(() => waitFor(async () => ((await stuckIds()).length === unanswered.length + 1 ? true : undefined), "every order stuck"));

	it("lists oldest first, page by page, each order once", async () => {
		const seen: StuckOrder[] = [];
		let cursor: string | null = null;
		do {
			const res: Awaited<ReturnType<typeof stuck>> = await stuck(`?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
			expect(res.status).toBe(200);
			expect(res.body.orders.length).toBeLessThanOrEqual(2);
			seen.push(...res.body.orders);
			cursor = res.body.next_cursor;
		} while (cursor);
		// The answered order entered RESERVE_CREATED before the others were created.
		expect(seen.map((o) => o.order_id)).toEqual([answered.order_id, ...unanswered.map((o) => o.order_id)]);
		const sinces = seen.map((o) => o.since);
		expect([...sinces].sort()).toEqual(sinces);
		const reserved = seen[0];
		expect(reserved).toEqual({ order_id: answered.order_id, state: "RESERVE_CREATED", since: expect.any(String), awaiting: `the payment answer (CREATED or FAILED) on topic ${topics.payment}` });
		// For RESERVE_CREATED, `since` is when the answer was recorded, after the creation.
		expect(Date.parse(reserved?.since ?? "")).toBeGreaterThan(Date.parse(answered.created_at));
	});

	it("filters by state", async () => {
		expect(await stuckIds("?state=RESERVE_CREATED")).toEqual([answered.order_id]);
		expect(await stuckIds("?state=ORDER_CREATED")).toEqual(unanswered.map((o) => o.order_id));
		expect(await stuckIds("?state=PAYMENT_CREATED")).toEqual([]);
	});

	it.each([
		["state=PAYMENT_COMPLETED", "state"],
		["state=nope", "state"],
		["limit=0", "limit"],
		["limit=501", "limit"],
		["limit=1e2", "limit"],
		[`cursor=${Buffer.from('{"since":"yesterday","after":1}').toString("base64url")}`, "cursor"],
		["cursor=%7B", "cursor"],
		["colour=red", "colour"],
	])("?%s: 422 naming %s", async (query, field) => {
		const res = await http<{ code: number; type: string; data: Array<{ field: string }> }>(`${base}/orders/stuck?${query}`);
		expect(res.status).toBe(422);
		expect(res.body).toMatchObject({ name: "ValidationError", code: 422, type: "VALIDATION_ERROR" });
		expect(res.body.data.map((d) => d.field)).toEqual([field]);
	});

	it("leaves GET /api/orders/:order_id as it was", async () => {
		const res = await http<{ order_id: number }>(`${base}/orders/${answered.order_id}`);
		expect(res.status).toBe(200);
		expect(res.body.order_id).toBe(answered.order_id);
	});
});

describe("time spent per state", () => {
	it("is observed once an order leaves its state", async () => {
		const states = await http<{ order_states: Array<{ state: string; time: string }> }>(`${base}/orders/${answered.order_id}/states`);
		const [created, reserved] = states.body.order_states;
		const spent = (Date.parse(reserved.time) - Date.parse(created.time)) / 1000;
		const observed = (page: MetricsPage, state: string, le = "+Inf") => value(page, "orders_state_duration_seconds_bucket", { state, le }) ?? 0;
		const page = await waitFor(async () => {
			const p = await scrape(metricsUrl);
			return observed(p, "ORDER_CREATED") === 1 ? p : undefined;
		}, "the time the answered order spent in ORDER_CREATED");
		// Its one observation lies in the first bucket that holds `spent`, not in the one below.
		const bounds = [...new Set((page.get("orders_state_duration_seconds_bucket") ?? []).map((s) => s.labels.le))].filter((le) => le !== "+Inf").map(Number);
		const upper = bounds.filter((le) => le >= spent).sort((a, b) => a - b)[0];
		const lower = bounds.filter((le) => le < spent).sort((a, b) => b - a)[0];
		expect(observed(page, "ORDER_CREATED", String(upper))).toBe(1);
		if (lower !== undefined) expect(observed(page, "ORDER_CREATED", String(lower))).toBe(0);
		// The unanswered orders have left no state.
		expect(observed(page, "RESERVE_CREATED")).toBe(0);
	});
});

describe("one node of a cluster at a time", () => {
	it("exports the gauges from the node holding the lease; another takes over when it stops", async () => {
		const metricsPort = await freePort();
		const standbyUrl = `http://127.0.0.1:${metricsPort}/metrics`;
		const standby = await startNode(["orders"], { METRICS_PORT: String(metricsPort), NODE_ID: `standby-${randomUUID().slice(0, 8)}` });
		try {
			// The standby's ticks ran (its orders.stuckSummary answers from the same database) while the first node held the lease.
			await waitFor(async () => ((await standby.call<{ states: unknown[] }>("orders.stuckSummary")).states.length === 3 ? true : undefined), "the standby's orders service");
			const [first, second] = [await scrape(metricsUrl), await scrape(standbyUrl)];
			expect(gauge(first, "orders_stuck", "ORDER_CREATED")).toBe(unanswered.length);
			expect(second.has("orders_stuck")).toBe(false);

			await node?.stop();
			node = undefined;
			const taken = await waitFor(async () => {
				const page = await scrape(standbyUrl);
				return gauge(page, "orders_stuck", "ORDER_CREATED") !== undefined ? page : undefined;
			}, "the standby to take the lease");
			expect(gauge(taken, "orders_stuck", "ORDER_CREATED")).toBe(unanswered.length);
			expect(gauge(taken, "orders_stuck", "RESERVE_CREATED")).toBe(1);
		} finally {
			await standby.stop();
		}
	});
});
