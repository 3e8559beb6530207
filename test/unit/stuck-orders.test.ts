import { TERMINAL_STATES, ORDER_STATES } from "../../domain/order-state";
import { awaiting, decodeStuckCursor, deadlinesOf, encodeStuckCursor, isWaitingState, monitorIntervalMs, WAITING_STATES } from "../../domain/stuck-orders";

const DEADLINES = { ORDER_CREATED: 120_000, RESERVE_CREATED: 300_000, PAYMENT_CREATED: 900_000 };

describe("waiting states", () => {
	it("are the states that are not terminal, in saga order", () => {
		expect([...WAITING_STATES]).toEqual(ORDER_STATES.filter((s) => !TERMINAL_STATES.has(s)));
		expect(isWaitingState("RESERVE_CREATED")).toBe(true);
		expect(isWaitingState("PAYMENT_COMPLETED")).toBe(false);
	});

	it("each name the answer they wait for, on the configured topic", () => {
		const topics = { reserve: "inventory", payment: "payment" };
		expect(awaiting("ORDER_CREATED", topics)).toBe("the reserve answer (CREATED or FAILED) on topic inventory");
		expect(awaiting("RESERVE_CREATED", topics)).toBe("the payment answer (CREATED or FAILED) on topic payment");
		expect(awaiting("PAYMENT_CREATED", topics)).toBe("the payment answer (COMPLETED or FAILED) on topic payment");
	});

	it("are listed with their deadlines, all or one", () => {
		expect(deadlinesOf(DEADLINES)).toEqual([
			{ state: "ORDER_CREATED", afterMs: 120_000 },
			{ state: "RESERVE_CREATED", afterMs: 300_000 },
			{ state: "PAYMENT_CREATED", afterMs: 900_000 },
		]);
		expect(deadlinesOf(DEADLINES, "PAYMENT_CREATED")).toEqual([{ state: "PAYMENT_CREATED", afterMs: 900_000 }]);
	});
});

describe("the monitor's interval", () => {
	it.each([
		[DEADLINES, 15_000],
		[{ ...DEADLINES, RESERVE_CREATED: 8_000 }, 2_000],
		[{ ...DEADLINES, ORDER_CREATED: 1_000 }, 250],
	])("for %j is %i ms", (deadlines, expected) => {
		expect(monitorIntervalMs(deadlines)).toBe(expected);
	});
});

describe("the stuck cursor", () => {
	it("carries the last order's since, to the microsecond, and its id", () => {
		const cursor = { since: "2026-12-04T16:30:00.123456Z", orderId: 42 };
		expect(decodeStuckCursor(encodeStuckCursor(cursor))).toEqual(cursor);
	});

	it.each([
		["not base64 JSON", "%%%"],
		["JSON null", Buffer.from("null").toString("base64url")],
		["milliseconds only", Buffer.from('{"since":"2026-12-04T16:30:00.123Z","after":1}').toString("base64url")],
		["an impossible date", Buffer.from('{"since":"2026-13-45T16:30:00.123456Z","after":1}').toString("base64url")],
		["no order id", Buffer.from('{"since":"2026-12-04T16:30:00.123456Z"}').toString("base64url")],
		["order id 0", Buffer.from('{"since":"2026-12-04T16:30:00.123456Z","after":0}').toString("base64url")],
		["a list cursor", Buffer.from('{"before":17}').toString("base64url")],
	])("refuses %s", (_name, text) => {
		expect(decodeStuckCursor(text)).toBeNull();
	});
});
