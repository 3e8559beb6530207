/**
 * The orders service on an in-memory broker: its actions' input rules, access
 * checks, idempotency answers and error mapping. Its store (lib/orders/) is
 * mocked: what its SQL does against PostgreSQL (one transaction per create, the
 * outbox row, the stuck lookups) is tested against the real database in
 * test/integration/ and test/e2e/.
 */
import { ConnectionRefusedError } from "sequelize";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import OrdersService from "../../../services/orders.service";
import type { Order } from "../../../domain/order-view";
import { createOrder, findOrder, findStates, listOrders } from "../../../lib/orders/orders-repository";
import { listStuckOrders, summarizeStuckOrders } from "../../../lib/orders/stuck-orders-store";
import { startStuckMonitor } from "../../../lib/orders/stuck-monitor";
import { encodeCursor } from "../../../domain/order-cursor";
import { encodeStuckCursor } from "../../../domain/stuck-orders";
import { GENERATED_KEY_HASH, requestHash } from "../../../domain/order-idempotency";
import { ORDERS_CHANGED } from "../../../domain/orders-changed";
import { orderCacheKeys } from "../../../lib/orders/order-cache";
import { STUB_MODEL, STUB_SEQUELIZE } from "../../support/without-database";
import { callFailure, failedFields, startUnitBroker } from "../../support/unit-broker";

jest.mock("../../../mixins/db.mixin", () => jest.requireActual("../../support/without-database"));
jest.mock("../../../lib/orders/orders-repository");
jest.mock("../../../lib/orders/stuck-orders-store");
jest.mock("../../../lib/orders/stuck-monitor");

const DEADLINES = { ORDER_CREATED: 120_000, RESERVE_CREATED: 300_000, PAYMENT_CREATED: 900_000 };
const TOPICS = { order: "orders", reserve: "inventory", payment: "payment" };
const INPUT = { user_id: 7, description: "two books", order_products: [{ product_id: 1, count: 2 }] };
const ORDER: Order = { order_id: 41, user_id: 7, description: "two books", state: "ORDER_CREATED", created_at: "2026-12-04T16:00:00.000Z", order_products: [{ product_id: 1, count: 2 }] };
const USER_7 = { user: { userId: 7, operator: false } };
const OPERATOR = { user: { userId: null, operator: true } };

const monitor = { firstTick: Promise.resolve(), stop: jest.fn(async () => undefined) };
let broker: ServiceBroker;

beforeAll(async () => {
	jest.mocked(startStuckMonitor).mockReturnValue(monitor as unknown as ReturnType<typeof startStuckMonitor>);
	broker = await startUnitBroker([{ ...OrdersService, settings: { orderTopic: "orders", stuck: { afterMs: DEADLINES, topics: TOPICS } } }]);
});
afterAll(() => broker.stop());
beforeEach(() => jest.mocked(findOrder).mockReset());

describe("orders.create", () => {
	beforeEach(() => jest.mocked(createOrder).mockReset());

	it.each([
		["no user_id", { ...INPUT, user_id: undefined }, "user_id"],
		["user_id 0", { ...INPUT, user_id: 0 }, "user_id"],
		["no products", { ...INPUT, order_products: [] }, "order_products"],
		["a count of 0", { ...INPUT, order_products: [{ product_id: 1, count: 0 }] }, "order_products[0].count"],
		["an unknown field in a product", { ...INPUT, order_products: [{ product_id: 1, count: 1, price: 3 }] }, "order_products[0]"],
	])("refuses %s with a ValidationError naming the field", async (_name, params, field) => {
		const err = await callFailure(broker.call("orders.create", params));
		expect(err).toMatchObject({ name: "ValidationError", code: 422 });
		expect(failedFields(err)).toContain(field);
		expect(createOrder).not.toHaveBeenCalled();
	});

	it("creates through the store with the outbox topic and the idempotency claim", async () => {
		jest.mocked(createOrder).mockResolvedValue({ kind: "created", order: ORDER });
		await expect(broker.call("orders.create", INPUT, { meta: { idempotency_key: "key-1" } })).resolves.toEqual(ORDER);
		expect(createOrder).toHaveBeenCalledWith(STUB_SEQUELIZE, INPUT, "orders", { key: "key-1", requestHash: requestHash(INPUT) });
	});

	it("claims a key the gateway made without hashing the request (only a retry of that call reuses it)", async () => {
		jest.mocked(createOrder).mockResolvedValue({ kind: "created", order: ORDER });
		await broker.call("orders.create", INPUT, { meta: { idempotency_key: "gateway:1", idempotency_key_generated: true } });
		expect(createOrder).toHaveBeenCalledWith(STUB_SEQUELIZE, INPUT, "orders", { key: "gateway:1", requestHash: GENERATED_KEY_HASH });
	});

	it("hashes the request of a sent key even when it looks like the gateway's", async () => {
		jest.mocked(createOrder).mockResolvedValue({ kind: "created", order: ORDER });
		await broker.call("orders.create", INPUT, { meta: { idempotency_key: "gateway:1" } });
		expect(createOrder).toHaveBeenCalledWith(STUB_SEQUELIZE, INPUT, "orders", { key: "gateway:1", requestHash: requestHash(INPUT) });
	});

	it("claims nothing without a key", async () => {
		jest.mocked(createOrder).mockResolvedValue({ kind: "created", order: ORDER });
		await broker.call("orders.create", INPUT);
		expect(createOrder).toHaveBeenCalledWith(STUB_SEQUELIZE, INPUT, "orders", undefined);
	});

	it("refuses a key of invisible characters before the store", async () => {
		const err = await callFailure(broker.call("orders.create", INPUT, { meta: { idempotency_key: "a b" } }));
		expect(err).toMatchObject({ name: "ValidationError", code: 422, data: [{ field: "Idempotency-Key" }] });
		expect(createOrder).not.toHaveBeenCalled();
	});

	it("answers the first order again when the key comes back with the same request", async () => {
		jest.mocked(createOrder).mockResolvedValue({ kind: "replayed", orderId: 41, sameRequest: true });
		jest.mocked(findOrder).mockResolvedValue(ORDER);
		await expect(broker.call("orders.create", INPUT, { meta: { idempotency_key: "key-1" } })).resolves.toEqual(ORDER);
		expect(findOrder).toHaveBeenCalledWith(STUB_MODEL, 41);
	});

	it("answers 409 when the key comes back with another request", async () => {
		jest.mocked(createOrder).mockResolvedValue({ kind: "replayed", orderId: 41, sameRequest: false });
		const err = await callFailure(broker.call("orders.create", INPUT, { meta: { idempotency_key: "key-1" } }));
		expect(err).toMatchObject({ name: "ConflictError", code: 409, type: "IDEMPOTENCY_KEY_REUSED" });
	});

	it("refuses a user's token creating for another user with 403", async () => {
		const err = await callFailure(broker.call("orders.create", { ...INPUT, user_id: 8 }, { meta: USER_7 }));
		expect(err).toMatchObject({ name: "ForbiddenError", code: 403, type: "FORBIDDEN" });
		expect(createOrder).not.toHaveBeenCalled();
	});

	it("answers 503 when PostgreSQL does not answer, and a bare 500 for any other database failure", async () => {
		jest.mocked(createOrder).mockRejectedValueOnce(new ConnectionRefusedError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })));
		await expect(callFailure(broker.call("orders.create", INPUT))).resolves.toMatchObject({ code: 503, type: "DATABASE_UNAVAILABLE" });
		jest.mocked(createOrder).mockRejectedValueOnce(new Error("relation \"orders\" does not exist"));
		const err = await callFailure(broker.call("orders.create", INPUT));
		expect(err).toMatchObject({ code: 500, type: "INTERNAL_ERROR", message: "Internal error" });
	});
});

describe("orders.get", () => {
	it.each([["0", 0], ["a leading zero", "041"], ["text", "abc"], ["a fraction", 1.5]])("refuses order_id %s with a ValidationError", async (_name, orderId) => {
		const err = await callFailure(broker.call("orders.get", { order_id: orderId }));
		expect(err).toMatchObject({ name: "ValidationError", code: 422, data: [{ field: "order_id" }] });
	});

	it("answers the order, read by its id given as text", async () => {
		jest.mocked(findOrder).mockResolvedValue(ORDER);
		await expect(broker.call("orders.get", { order_id: "41" })).resolves.toEqual(ORDER);
		expect(findOrder).toHaveBeenCalledWith(STUB_MODEL, 41);
	});

	it("answers 404 for an unknown order, and for another user's (whose existence it does not reveal)", async () => {
		jest.mocked(findOrder).mockResolvedValueOnce(null);
		await expect(callFailure(broker.call("orders.get", { order_id: 41 }))).resolves.toMatchObject({ name: "NotFoundError", code: 404, type: "ORDER_NOT_FOUND" });
		jest.mocked(findOrder).mockResolvedValueOnce(ORDER);
		const err = await callFailure(broker.call("orders.get", { order_id: 41 }, { meta: { user: { userId: 8, operator: false } } }));
		expect(err).toMatchObject({ code: 404, type: "ORDER_NOT_FOUND", data: { order_id: 41 } });
	});

	it("shows any order to an operator", async () => {
		jest.mocked(findOrder).mockResolvedValue(ORDER);
		await expect(broker.call("orders.get", { order_id: 41 }, { meta: OPERATOR })).resolves.toEqual(ORDER);
	});
});

describe("orders.states", () => {
	const STATES = [{ state: "ORDER_CREATED", time: "2026-12-04T16:00:00.000Z" }];

	it("answers the states of an order", async () => {
		jest.mocked(findStates).mockResolvedValueOnce(STATES as never);
		await expect(broker.call("orders.states", { order_id: 41 })).resolves.toEqual({ order_states: STATES });
		expect(findStates).toHaveBeenCalledWith(STUB_SEQUELIZE, 41);
	});

	it("answers 404 for an unknown order", async () => {
		jest.mocked(findStates).mockResolvedValueOnce(null);
		await expect(callFailure(broker.call("orders.states", { order_id: 41 }))).resolves.toMatchObject({ code: 404, type: "ORDER_NOT_FOUND" });
	});

	it("checks a user's access on the order first", async () => {
		jest.mocked(findOrder).mockResolvedValueOnce(ORDER);
		jest.mocked(findStates).mockClear();
		await expect(callFailure(broker.call("orders.states", { order_id: 41 }, { meta: { user: { userId: 8, operator: false } } }))).resolves.toMatchObject({ code: 404 });
		expect(findStates).not.toHaveBeenCalled();
	});
});

describe("orders.list", () => {
	beforeEach(() => jest.mocked(listOrders).mockReset());

	it("pages with the default limit and hands out a cursor after the last order when there are more", async () => {
		jest.mocked(listOrders).mockResolvedValue({ orders: [ORDER], more: true });
		await expect(broker.call("orders.list", {})).resolves.toEqual({ orders: [ORDER], next_cursor: encodeCursor(41) });
		expect(listOrders).toHaveBeenCalledWith(STUB_MODEL, { userId: undefined, beforeOrderId: undefined, limit: 50 });
	});

	it("reads the query's text: user, limit and cursor", async () => {
		jest.mocked(listOrders).mockResolvedValue({ orders: [ORDER], more: false });
		await expect(broker.call("orders.list", { user_id: "-7", limit: "10", cursor: encodeCursor(50) })).resolves.toEqual({ orders: [ORDER], next_cursor: null });
		expect(listOrders).toHaveBeenCalledWith(STUB_MODEL, { userId: -7, beforeOrderId: 50, limit: 10 });
	});

	it.each([
		["a limit over 500", { limit: 501 }, "limit"],
		["user_id 0", { user_id: "0" }, "user_id"],
		["a cursor it never gave out", { cursor: "bm90LWEtY3Vyc29y" }, "cursor"],
	])("refuses %s with a ValidationError", async (_name, params, field) => {
		const err = await callFailure(broker.call("orders.list", params));
		expect(err).toMatchObject({ name: "ValidationError", code: 422 });
		expect(failedFields(err)).toContain(field);
		expect(listOrders).not.toHaveBeenCalled();
	});

	it("refuses an unknown field, naming it", async () => {
		const err = await callFailure(broker.call("orders.list", { colour: "blue" }));
		expect(err).toMatchObject({ name: "ValidationError", code: 422, data: [{ type: "objectStrict", actual: "colour" }] });
	});

	it("lists a user's own orders only, 403 for somebody else's", async () => {
		jest.mocked(listOrders).mockResolvedValue({ orders: [], more: false });
		await broker.call("orders.list", {}, { meta: USER_7 });
		expect(listOrders).toHaveBeenCalledWith(STUB_MODEL, expect.objectContaining({ userId: 7 }));
		await expect(callFailure(broker.call("orders.list", { user_id: 8 }, { meta: USER_7 }))).resolves.toMatchObject({ name: "ForbiddenError", code: 403 });
	});
});

describe("orders.stuck and orders.stuckSummary", () => {
	const ROW = { order_id: 41, state: "RESERVE_CREATED" as const, since: "2026-12-04T16:00:00.123456Z" };

	it("lists stuck orders with what each awaits, on the configured topics", async () => {
		jest.mocked(listStuckOrders).mockResolvedValueOnce({ orders: [ROW], more: false });
		await expect(broker.call("orders.stuck", { state: "RESERVE_CREATED", limit: "5" }, { meta: OPERATOR })).resolves.toEqual({
			orders: [{ ...ROW, awaiting: "the payment answer (CREATED or FAILED) on topic payment" }],
			next_cursor: null,
		});
		expect(listStuckOrders).toHaveBeenCalledWith(STUB_SEQUELIZE, { deadlines: DEADLINES, state: "RESERVE_CREATED", cursor: undefined, limit: 5 });
	});

	it("answers a cursor after the last order of a full page, and hands it back to the store decoded", async () => {
		jest.mocked(listStuckOrders).mockResolvedValueOnce({ orders: [ROW], more: true });
		const { next_cursor } = await broker.call<{ next_cursor: string }, object>("orders.stuck", { limit: 1 }, { meta: OPERATOR });
		expect(next_cursor).toBe(encodeStuckCursor({ since: ROW.since, orderId: 41 }));
		jest.mocked(listStuckOrders).mockResolvedValueOnce({ orders: [], more: false });
		await expect(broker.call("orders.stuck", { cursor: next_cursor }, { meta: OPERATOR })).resolves.toEqual({ orders: [], next_cursor: null });
		expect(listStuckOrders).toHaveBeenLastCalledWith(STUB_SEQUELIZE, expect.objectContaining({ cursor: { since: ROW.since, orderId: 41 } }));
	});

	it("answers 503 when PostgreSQL does not answer", async () => {
		const refused = () => new ConnectionRefusedError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
		jest.mocked(listStuckOrders).mockRejectedValueOnce(refused());
		jest.mocked(summarizeStuckOrders).mockRejectedValueOnce(refused());
		for (const action of ["orders.stuck", "orders.stuckSummary"]) {
			await expect(callFailure(broker.call(action, {}, { meta: OPERATOR }))).resolves.toMatchObject({ code: 503, type: "DATABASE_UNAVAILABLE" });
		}
	});

	it("refuses a state that does not wait, and a cursor it never gave out", async () => {
		await expect(callFailure(broker.call("orders.stuck", { state: "PAYMENT_COMPLETED" }))).resolves.toMatchObject({ name: "ValidationError", data: [{ field: "state" }] });
		await expect(callFailure(broker.call("orders.stuck", { cursor: encodeCursor(3) }))).resolves.toMatchObject({ name: "ValidationError", data: [{ field: "cursor" }] });
	});

	it("summarises per waiting state", async () => {
		const states = [{ state: "ORDER_CREATED", count: 2, oldest_since: "2026-12-04T16:00:00.000000Z" }];
		jest.mocked(summarizeStuckOrders).mockResolvedValueOnce(states as never);
		await expect(broker.call("orders.stuckSummary", {})).resolves.toEqual({ states });
		expect(summarizeStuckOrders).toHaveBeenCalledWith(STUB_SEQUELIZE, DEADLINES);
	});

	it("are for operators only, with authentication on", async () => {
		for (const action of ["orders.stuck", "orders.stuckSummary"]) {
			await expect(callFailure(broker.call(action, {}, { meta: USER_7 }))).resolves.toMatchObject({ name: "ForbiddenError", code: 403 });
		}
	});
});

describe("the stuck monitor", () => {
	it("is started with the service's database, namespace, node and deadlines", () => {
		expect(startStuckMonitor).toHaveBeenCalledWith(expect.objectContaining({ sequelize: STUB_SEQUELIZE, nodeId: broker.nodeID, deadlines: DEADLINES }));
	});

	it("stops with the service", async () => {
		const other = await startUnitBroker([{ ...OrdersService, settings: { orderTopic: "orders", stuck: { afterMs: DEADLINES, topics: TOPICS } } }]);
		monitor.stop.mockClear();
		await other.stop();
		expect(monitor.stop).toHaveBeenCalledTimes(1);
	});
});

describe("the cached reads of orders (Moleculer's memory cacher)", () => {
	const SETTINGS = { orderTopic: "orders", stuck: { afterMs: DEADLINES, topics: TOPICS } };
	let cachedBroker: ServiceBroker;
	const cache = async (orderIds: number[]) => {
		for (const key of orderIds.flatMap(orderCacheKeys)) await cachedBroker.cacher!.set(key, { cached: true });
	};
	/** What the cache holds for the order's reads (null: nothing). */
	const cached = (orderId: number) => Promise.all(orderCacheKeys(orderId).map(async (key) => (await cachedBroker.cacher!.get(key)) ?? null));

	beforeAll(async () => {
		// Entries cached before the service starts: a change announced while no orders node ran.
		cachedBroker = await startUnitBroker([], { cacher: "Memory" });
		await cache([40]);
		cachedBroker.createService({ ...OrdersService, settings: SETTINGS });
		await cachedBroker.waitForServices(["orders"]);
	});
	afterAll(() => cachedBroker.stop());

	it("are all dropped when the service starts", async () => {
		await expect(cached(40)).resolves.toEqual([null, null]);
	});

	it(`are dropped for the orders an ${ORDERS_CHANGED} event names, and kept for the others`, async () => {
		await cache([41, 42]);
		await cachedBroker.broadcast(ORDERS_CHANGED, { ids: [41] }, { throwError: true });
		await expect(cached(41)).resolves.toEqual([null, null]);
		await expect(cached(42)).resolves.toEqual([{ cached: true }, { cached: true }]);
	});

	it(`refuses an ${ORDERS_CHANGED} event that does not name orders`, async () => {
		await cache([43]);
		await expect(cachedBroker.broadcast(ORDERS_CHANGED, { ids: ["43"] }, { throwError: true })).rejects.toMatchObject({ name: "ValidationError" });
		await expect(cached(43)).resolves.toEqual([{ cached: true }, { cached: true }]);
	});
});

describe("its settings", () => {
	const SETTINGS = { orderTopic: "orders", stuck: { afterMs: DEADLINES, topics: TOPICS } };
	const create = (settings: object) => () => new ServiceBroker({ logger: false }).createService({ ...OrdersService, settings } as ServiceSchema);

	it("refuses to be created without settings.stuck", () => {
		expect(create({ orderTopic: "orders" })).toThrow("service orders: settings.stuck is required");
	});

	it("refuses a bad setting in one line that names it and echoes no value", () => {
		const console = { kafkaBrokers: [], kafkaSecurity: {}, clientIdPrefix: "orders", watched: [{ topic: "secret-topic", group: "" }] };
		const bad = create({ ...SETTINGS, orderTopic: "", stuck: { ...SETTINGS.stuck, afterMs: { ...DEADLINES, RESERVE_CREATED: 0 } }, console });
		expect(bad).toThrow(
			/^service orders: settings\.orderTopic must not be empty; settings\.stuck\.afterMs\.RESERVE_CREATED must be a positive number; settings\.console\.kafkaBrokers must contain at least 1 items; settings\.console\.watched\[0\]\.group must not be empty$/,
		);
		expect(bad).not.toThrow(/secret/);
	});

	it("goes without settings.console (no consumer lag on the overview)", () => {
		expect(create(SETTINGS)).not.toThrow();
	});
});
