import { decide, ORDER_STATES, TERMINAL_STATES, type OrderState } from "../../domain/order-state";

// Every (from, to) pair of the state table, spelled out rather than derived from the code under test.
const ALLOWED: Array<[OrderState, OrderState]> = [
	["ORDER_CREATED", "RESERVE_CREATED"],
	["ORDER_CREATED", "RESERVE_FAILED"],
	["RESERVE_CREATED", "PAYMENT_CREATED"],
	["RESERVE_CREATED", "PAYMENT_FAILED"],
	["PAYMENT_CREATED", "PAYMENT_FAILED"],
	["PAYMENT_CREATED", "PAYMENT_COMPLETED"],
];
// Not yet possible, but possible once the missing predecessor is recorded.
const EARLY: Array<[OrderState, OrderState]> = [
	["ORDER_CREATED", "PAYMENT_CREATED"],
	["ORDER_CREATED", "PAYMENT_FAILED"],
	["ORDER_CREATED", "PAYMENT_COMPLETED"],
	["RESERVE_CREATED", "PAYMENT_COMPLETED"],
];
const key = ([from, to]: [OrderState, OrderState]) => `${from}->${to}`;

describe("decide(current, next)", () => {
	const allowed = new Set(ALLOWED.map(key));
	const early = new Set(EARLY.map(key));
	const pairs = ORDER_STATES.flatMap((from) => ORDER_STATES.map((to) => [from, to] as [OrderState, OrderState]));

	it.each(pairs)("%s -> %s", (from, to) => {
		const expected = allowed.has(key([from, to]))
			? { kind: "apply" }
			: early.has(key([from, to]))
				? { kind: "early" }
				: { kind: "reject", reason: "invalid_transition" };
		expect(decide(from, to)).toEqual(expected);
	});

	it("rejects everything after a terminal state", () => {
		for (const from of TERMINAL_STATES) {
			for (const to of ORDER_STATES) expect(decide(from, to).kind).toBe("reject");
		}
	});

	it("with an empty history accepts only ORDER_CREATED and waits for the rest", () => {
		expect(decide(null, "ORDER_CREATED")).toEqual({ kind: "apply" });
		for (const to of ORDER_STATES.filter((s) => s !== "ORDER_CREATED")) expect(decide(null, to)).toEqual({ kind: "early" });
	});
});
