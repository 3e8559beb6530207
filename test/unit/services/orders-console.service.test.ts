/**
 * The operator console's reads on the orders service (mixins/console-reads.mixin.ts)
 * on an in-memory broker: `orders.overview` and `orders.timeline`, their
 * operator check, input rules and errors, and the figures the overview gathers
 * from its store, Kafka's lag and the peers' summaries (a mocked `state`).
 * The SQL runs against PostgreSQL in test/e2e/console.test.ts.
 */
import type { ServiceBroker } from "moleculer";
import OrdersService from "../../../services/orders.service";
import { outboxFigures, ordersPerMinute, sagaDurations, smallRead, OVERVIEW_WINDOW_MINUTES } from "../../../lib/console/overview-store";
import { findTimeline, type OrderTimeline } from "../../../lib/console/timeline-store";
import { consumerLag } from "../../../lib/console/consumer-lag";
import { createKafka } from "../../../lib/platform/clients/kafka";
import { summarizeStuckOrders } from "../../../lib/orders/stuck-orders-store";
import { startStuckMonitor } from "../../../lib/orders/stuck-monitor";
import { STUB_SEQUELIZE } from "../../support/without-database";
import { callFailure, failedFields, startUnitBroker } from "../../support/unit-broker";

jest.mock("../../../mixins/db.mixin", () => jest.requireActual("../../support/without-database"));
jest.mock("../../../lib/orders/orders-repository");
jest.mock("../../../lib/orders/stuck-orders-store");
jest.mock("../../../lib/orders/stuck-monitor");
jest.mock("../../../lib/console/overview-store", () => ({ ...jest.requireActual("../../../lib/console/overview-store"), smallRead: jest.fn(), ordersPerMinute: jest.fn(), sagaDurations: jest.fn(), outboxFigures: jest.fn() }));
jest.mock("../../../lib/console/timeline-store");
jest.mock("../../../lib/console/consumer-lag");
jest.mock("../../../lib/platform/clients/kafka");

const DEADLINES = { ORDER_CREATED: 120_000, RESERVE_CREATED: 300_000, PAYMENT_CREATED: 900_000 };
const TOPICS = { order: "orders", reserve: "inventory", payment: "payment" };
const WATCHED = [{ topic: "payment", group: "payment-listener" }];
const SETTINGS = {
	orderTopic: "orders",
	stuck: { afterMs: DEADLINES, topics: TOPICS },
	console: { kafkaBrokers: ["kafka:9092"], kafkaSecurity: {}, clientIdPrefix: "orders", watched: WATCHED },
};
const OPERATOR = { user: { userId: null, operator: true } };
const USER_7 = { user: { userId: 7, operator: false } };

const TIMELINE: OrderTimeline = {
	order_id: 41,
	user_id: 7,
	description: "two books",
	state: "RESERVE_CREATED",
	created_at: "2026-12-04T16:00:00.000Z",
	states: [],
	outbox: [],
	applied: [],
	parked: [],
};

const admin = { connect: jest.fn(async () => undefined), disconnect: jest.fn(async () => undefined) };
const deadLetterSummary = jest.fn();
const STATE_PEER = { name: "state", actions: { deadLetterSummary: () => deadLetterSummary() } };

let broker: ServiceBroker;

beforeAll(async () => {
	jest.mocked(startStuckMonitor).mockReturnValue({ firstTick: Promise.resolve(), stop: async () => undefined } as unknown as ReturnType<typeof startStuckMonitor>);
	broker = await startUnitBroker([{ ...OrdersService, settings: SETTINGS }, STATE_PEER]);
});
afterAll(() => broker.stop());

beforeEach(() => {
	jest.mocked(createKafka).mockReturnValue({ admin: () => admin } as unknown as ReturnType<typeof createKafka>);
	jest.mocked(smallRead).mockImplementation((_db, read) => read("read-only transaction" as never));
	jest.mocked(ordersPerMinute).mockResolvedValue([{ minute: "16:00", created: 3 }] as never);
	jest.mocked(sagaDurations).mockResolvedValue({ p50_ms: 120 } as never);
	jest.mocked(outboxFigures).mockResolvedValue({ unsent: 2 } as never);
	jest.mocked(consumerLag).mockResolvedValue([{ ...WATCHED[0], lag: 5, partitions: [] }]);
	jest.mocked(summarizeStuckOrders).mockResolvedValue([{ state: "ORDER_CREATED", count: 1 }] as never);
	deadLetterSummary.mockResolvedValue({ counts: [{ topic: "payment", reason: "malformed", count: 4 }] });
});
afterEach(() => jest.clearAllMocks());

describe("orders.overview", () => {
	it("gathers the store's figures in one read-only transaction, Kafka's lag and the peers' summaries", async () => {
		const answer = await broker.call("orders.overview", {}, { meta: OPERATOR });
		expect(answer).toMatchObject({
			window_minutes: OVERVIEW_WINDOW_MINUTES,
			per_minute: [{ minute: "16:00", created: 3 }],
			saga_duration: { p50_ms: 120 },
			outbox: { unsent: 2 },
			consumer_lag: [{ topic: "payment", group: "payment-listener", lag: 5 }],
			stuck: { states: [{ state: "ORDER_CREATED", count: 1 }] },
			dead_letters: { counts: [{ topic: "payment", reason: "malformed", count: 4 }] },
			nodes: [{ id: broker.nodeID, available: true, services: ["orders", "state"] }],
		});
		expect(smallRead).toHaveBeenCalledWith(STUB_SEQUELIZE, expect.any(Function));
		for (const read of [ordersPerMinute, sagaDurations, outboxFigures]) expect(read).toHaveBeenCalledWith(STUB_SEQUELIZE, "read-only transaction");
		expect(consumerLag).toHaveBeenCalledWith(admin, WATCHED);
	});

	it("answers a peer's failure as its message and Kafka's failure as no lag, keeping the other figures", async () => {
		deadLetterSummary.mockRejectedValueOnce(new Error("dead letters unreadable"));
		jest.mocked(consumerLag).mockRejectedValueOnce(new Error("broker down"));
		await expect(broker.call("orders.overview", {}, { meta: OPERATOR })).resolves.toMatchObject({
			dead_letters: { error: "dead letters unreadable" },
			consumer_lag: null,
			outbox: { unsent: 2 },
		});
	});

	it("answers null for a summary no node runs, and lets go of Kafka when the service stops", async () => {
		const alone = await startUnitBroker([{ ...OrdersService, settings: SETTINGS }]);
		try {
			await expect(alone.call("orders.overview")).resolves.toMatchObject({ dead_letters: null, stuck: { states: [{ state: "ORDER_CREATED", count: 1 }] } });
		} finally {
			await alone.stop();
		}
		expect(admin.disconnect).toHaveBeenCalledTimes(1);
	});

	it("is refused (403) to a caller who is not an operator, before any read", async () => {
		await expect(callFailure(broker.call("orders.overview", {}, { meta: USER_7 }))).resolves.toMatchObject({ code: 403, type: "FORBIDDEN" });
		expect(smallRead).not.toHaveBeenCalled();
	});

	it("refuses any parameter", async () => {
		await expect(callFailure(broker.call("orders.overview", { window: 60 }, { meta: OPERATOR }))).resolves.toMatchObject({ name: "ValidationError", code: 422 });
	});
});

describe("orders.timeline", () => {
	it("answers the order's saga with what it waits for on the configured topics", async () => {
		jest.mocked(findTimeline).mockResolvedValueOnce(TIMELINE);
		await expect(broker.call("orders.timeline", { order_id: "41" }, { meta: OPERATOR })).resolves.toEqual({
			...TIMELINE,
			ended: false,
			awaiting: "the payment answer (CREATED or FAILED) on topic payment",
		});
		expect(findTimeline).toHaveBeenCalledWith(STUB_SEQUELIZE, 41);
	});

	it("says an ended saga waits for nothing", async () => {
		jest.mocked(findTimeline).mockResolvedValueOnce({ ...TIMELINE, state: "PAYMENT_COMPLETED" });
		await expect(broker.call("orders.timeline", { order_id: 41 }, { meta: OPERATOR })).resolves.toMatchObject({ ended: true, awaiting: "nothing: the saga ended (completed)" });
	});

	it("answers 404 ORDER_NOT_FOUND for an order that does not exist", async () => {
		jest.mocked(findTimeline).mockResolvedValueOnce(null);
		const err = await callFailure(broker.call("orders.timeline", { order_id: 99 }, { meta: OPERATOR }));
		expect(err).toMatchObject({ code: 404, type: "ORDER_NOT_FOUND", data: { order_id: 99 } });
	});

	it.each([
		["order_id 0", { order_id: 0 }],
		["an order_id that is not a number", { order_id: "abc" }],
		["no order_id", {}],
	])("refuses %s with a ValidationError naming the field", async (_name, params) => {
		const err = await callFailure(broker.call("orders.timeline", params, { meta: OPERATOR }));
		expect(err).toMatchObject({ name: "ValidationError", code: 422 });
		expect(failedFields(err)).toContain("order_id");
		expect(findTimeline).not.toHaveBeenCalled();
	});

	it("is refused (403) to a caller who is not an operator, even for the caller's own order", async () => {
		jest.mocked(findTimeline).mockResolvedValue(TIMELINE);
		await expect(callFailure(broker.call("orders.timeline", { order_id: 41 }, { meta: USER_7 }))).resolves.toMatchObject({ code: 403, type: "FORBIDDEN" });
		expect(findTimeline).not.toHaveBeenCalled();
	});
});
