import { decide, furthestState, ORDER_STATES, TERMINAL_STATES, type OrderState } from "../../domain/order-state";

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
// The history this service records on its way to each state.
const HISTORY_TO: Record<OrderState, OrderState[]> = {
	ORDER_CREATED: ["ORDER_CREATED"],
	RESERVE_CREATED: ["ORDER_CREATED", "RESERVE_CREATED"],
	RESERVE_FAILED: ["ORDER_CREATED", "RESERVE_FAILED"],
	PAYMENT_CREATED: ["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED"],
	PAYMENT_FAILED: ["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_FAILED"],
	PAYMENT_COMPLETED: ["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"],
};
// Every way through the table, to its last transition.
const PATHS: OrderState[][] = [
	["ORDER_CREATED", "RESERVE_FAILED"],
	["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_FAILED"],
	["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_FAILED"],
	["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"],
];
const key = ([from, to]: [OrderState, OrderState]) => `${from}->${to}`;

function permutations<T>(items: readonly T[]): T[][] {
	if (items.length <= 1) return [[...items]];
	return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe("decide(recorded, next) on the histories this service records", () => {
	const allowed = new Set(ALLOWED.map(key));
	const early = new Set(EARLY.map(key));
	const pairs = ORDER_STATES.flatMap((from) => ORDER_STATES.map((to) => [from, to] as [OrderState, OrderState]));

	it.each(pairs)("%s -> %s", (from, to) => {
		const expected = allowed.has(key([from, to]))
			? { kind: "apply" }
			: early.has(key([from, to]))
				? { kind: "early" }
				: { kind: "reject", reason: "invalid_transition" };
		expect(decide(HISTORY_TO[from], to)).toEqual(expected);
	});

	it("rejects everything after a terminal state", () => {
		for (const from of TERMINAL_STATES) {
			for (const to of ORDER_STATES) expect(decide(HISTORY_TO[from], to).kind).toBe("reject");
		}
	});

	it("with an empty history accepts only ORDER_CREATED and waits for the rest", () => {
		expect(decide([], "ORDER_CREATED")).toEqual({ kind: "apply" });
		for (const to of ORDER_STATES.filter((s) => s !== "ORDER_CREATED")) expect(decide([], to)).toEqual({ kind: "early" });
	});
});

describe("decide(recorded, next) on histories recorded in any order (the Go service's)", () => {
	it("takes PAYMENT_COMPLETED after ORDER_CREATED, PAYMENT_CREATED, RESERVE_CREATED", () => {
		const history: OrderState[] = ["ORDER_CREATED", "PAYMENT_CREATED", "RESERVE_CREATED"];
		expect(decide(history, "PAYMENT_COMPLETED")).toEqual({ kind: "apply" });
		expect(decide(history, "PAYMENT_FAILED")).toEqual({ kind: "apply" });
		for (const to of ["ORDER_CREATED", "RESERVE_CREATED", "RESERVE_FAILED", "PAYMENT_CREATED"] as const) expect(decide(history, to).kind).toBe("reject");
	});

	// Each prefix of each path, recorded in every order: the path's next state applies, to the last transition.
	const steps = PATHS.flatMap((path) =>
		path.slice(1).flatMap((next, i) => permutations(path.slice(0, i + 1)).map((recorded) => [recorded.join(","), next, recorded] as const)),
	);
	it.each(steps)("[%s] takes %s", (_, next, recorded) => {
		expect(decide(recorded, next)).toEqual({ kind: "apply" });
	});

	it.each(PATHS.map((path) => [path.join(" -> "), path] as const))("after the last transition of %s, in any order, nothing follows", (_, path) => {
		for (const recorded of permutations(path)) {
			for (const to of ORDER_STATES) expect(decide(recorded, to).kind).toBe("reject");
		}
	});

	it("rejects the state itself, a state of another branch, and anything after a terminal state", () => {
		expect(decide(["ORDER_CREATED", "PAYMENT_CREATED"], "PAYMENT_CREATED").kind).toBe("reject");
		expect(decide(["ORDER_CREATED", "PAYMENT_CREATED"], "RESERVE_FAILED").kind).toBe("reject");
		expect(decide(["RESERVE_FAILED", "ORDER_CREATED"], "RESERVE_CREATED").kind).toBe("reject");
		expect(decide(["PAYMENT_COMPLETED", "ORDER_CREATED", "RESERVE_CREATED"], "PAYMENT_CREATED").kind).toBe("reject");
	});

	it("fills a gap of the history: RESERVE_CREATED after ORDER_CREATED, PAYMENT_CREATED", () => {
		expect(decide(["ORDER_CREATED", "PAYMENT_CREATED"], "RESERVE_CREATED")).toEqual({ kind: "apply" });
		expect(decide(["ORDER_CREATED", "PAYMENT_CREATED"], "PAYMENT_COMPLETED")).toEqual({ kind: "apply" });
	});

	it("waits for a predecessor that may still come, and rejects one that needs ORDER_CREATED where the history lacks it", () => {
		expect(decide(["RESERVE_CREATED"], "PAYMENT_COMPLETED")).toEqual({ kind: "early" });
		expect(decide(["RESERVE_CREATED"], "PAYMENT_CREATED")).toEqual({ kind: "apply" });
		expect(decide(["PAYMENT_CREATED"], "RESERVE_CREATED").kind).toBe("reject");
		expect(decide(["RESERVE_CREATED"], "ORDER_CREATED").kind).toBe("reject");
	});
});

describe("furthestState(history)", () => {
	it("is the last state of a history this service records", () => {
		for (const state of ORDER_STATES) expect(furthestState(HISTORY_TO[state])).toBe(state);
	});

	it("is the furthest along the table, not the last in time", () => {
		expect(furthestState(["ORDER_CREATED", "PAYMENT_CREATED", "RESERVE_CREATED"])).toBe("PAYMENT_CREATED");
		for (const path of PATHS) {
			for (const recorded of permutations(path)) expect(furthestState(recorded)).toBe(path[path.length - 1]);
		}
	});

	it("is a terminal state when the history holds one, even a shallower one", () => {
		expect(furthestState(["ORDER_CREATED", "RESERVE_FAILED", "RESERVE_CREATED", "PAYMENT_CREATED"])).toBe("RESERVE_FAILED");
	});

	it("is the later record between two equally far states, and null for no history", () => {
		expect(furthestState(["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_COMPLETED", "PAYMENT_FAILED"])).toBe("PAYMENT_FAILED");
		expect(furthestState([])).toBeNull();
	});
});
