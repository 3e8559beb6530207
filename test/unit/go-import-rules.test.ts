import { differenceFrom, type StoredOrder } from "../../domain/go-import/compare";
import { importEvent } from "../../domain/go-import/event";
import { importHistory } from "../../domain/go-import/history";
import { largestSafeId } from "../../domain/go-import/ids";
import { importOrder, type GoOrderRows } from "../../domain/go-import/order";
import { importProducts } from "../../domain/go-import/products";
import { utcFromPlainTimestamp } from "../../domain/go-import/utc-time";

describe("utcFromPlainTimestamp", () => {
	it.each([
		["2024-03-01 10:00:00", "2024-03-01T10:00:00.000000Z"],
		["2024-03-01 10:00:00.5", "2024-03-01T10:00:00.500000Z"],
		["2024-03-01 23:59:59.123456", "2024-03-01T23:59:59.123456Z"],
	])("reads %s as UTC", (text, utc) => expect(utcFromPlainTimestamp(text)).toBe(utc));

	it.each(["infinity", "-infinity", "2024-02-30 10:00:00", "2024-03-01 10:00:00+02", "0044-03-15 12:00:00 BC", ""])("refuses %j", (text) =>
		expect(utcFromPlainTimestamp(text)).toBeNull(),
	);
});

describe("importProducts", () => {
	it("merges a product named twice at the place of its first row, counts summed", () => {
		const result = importProducts([
			{ product_id: "7", count: "2" },
			{ product_id: "8", count: "1" },
			{ product_id: "7", count: "3" },
		]);
		expect(result).toEqual({ kind: "ok", products: [{ product_id: 7, count: 5 }, { product_id: 8, count: 1 }], merged: [7] });
	});

	it.each([["0"], ["-3"], ["2147483648"], ["9223372036854775807"]])("refuses count %s", (count) => {
		const result = importProducts([{ product_id: "7", count }]);
		expect(result).toEqual({ kind: "refused", reason: expect.stringContaining(`count ${count}`) });
	});

	it("takes the largest count, and refuses a merge whose sum passes it", () => {
		expect(importProducts([{ product_id: "7", count: "2147483647" }]).kind).toBe("ok");
		const merged = importProducts([
			{ product_id: "7", count: "2147483647" },
			{ product_id: "7", count: "1" },
		]);
		expect(merged).toEqual({ kind: "refused", reason: expect.stringContaining("sum to 2147483648") });
	});

	it("refuses a product id this schema cannot hold", () => {
		expect(importProducts([{ product_id: "0", count: "1" }]).kind).toBe("refused");
		expect(importProducts([{ product_id: "9007199254740993", count: "1" }]).kind).toBe("refused");
	});
});

describe("importHistory", () => {
	const row = (state: string, second: number) => ({ state, created_at: `2024-03-01 10:00:${String(second).padStart(2, "0")}` });
	const at = (second: number) => `2024-03-01T10:00:${String(second).padStart(2, "0")}.000000Z`;

	it("keeps a history that follows the rules, with its UTC times", () => {
		const result = importHistory([row("ORDER_CREATED", 1), row("RESERVE_CREATED", 2), row("PAYMENT_FAILED", 3)]);
		expect(result).toEqual({
			kind: "ok",
			states: [
				{ state: "ORDER_CREATED", time: at(1) },
				{ state: "RESERVE_CREATED", time: at(2) },
				{ state: "PAYMENT_FAILED", time: at(3) },
			],
			repeated: [],
			brokenRule: null,
		});
	});

	it("keeps a history breaking the rules as it was and names the first broken step", () => {
		const result = importHistory([row("ORDER_CREATED", 1), row("PAYMENT_COMPLETED", 2), row("RESERVE_FAILED", 3)]);
		expect(result).toMatchObject({ kind: "ok", brokenRule: "ORDER_CREATED -> PAYMENT_COMPLETED" });
		expect(result.kind === "ok" && result.states.map((s) => s.state)).toEqual(["ORDER_CREATED", "PAYMENT_COMPLETED", "RESERVE_FAILED"]);
	});

	it("flags a history that does not start with ORDER_CREATED", () => {
		expect(importHistory([row("RESERVE_CREATED", 1)])).toMatchObject({ brokenRule: "(start) -> RESERVE_CREATED" });
	});

	it("keeps the latest record of a repeated state", () => {
		const result = importHistory([row("ORDER_CREATED", 1), row("RESERVE_CREATED", 2), row("ORDER_CREATED", 3)]);
		expect(result).toEqual({
			kind: "ok",
			states: [
				{ state: "RESERVE_CREATED", time: at(2) },
				{ state: "ORDER_CREATED", time: at(3) },
			],
			repeated: [{ state: "ORDER_CREATED", time: at(1) }],
			brokenRule: "RESERVE_CREATED -> ORDER_CREATED",
		});
	});

	it("refuses an unreadable time", () => {
		expect(importHistory([{ state: "ORDER_CREATED", created_at: "infinity" }]).kind).toBe("refused");
	});
});

describe("importOrder", () => {
	const go = (overrides: Partial<GoOrderRows> = {}): GoOrderRows => ({
		id: "42",
		user_id: "5",
		description: "hello",
		products: [{ product_id: "3", count: "1" }],
		states: [{ state: "ORDER_CREATED", created_at: "2024-03-01 10:00:00" }],
		...overrides,
	});

	it("turns a NULL description into an empty one", () => {
		expect(importOrder(go({ description: null }))).toMatchObject({ kind: "ok", order: { description: "" } });
	});

	it("takes a negative user id (a Telegram group chat's)", () => {
		expect(importOrder(go({ user_id: "-1001234567890" }))).toMatchObject({ kind: "ok", order: { user_id: -1001234567890 } });
	});

	it("takes the furthest state of an out-of-order history as the order's state, not the last in time", () => {
		const states = [
			{ state: "ORDER_CREATED", created_at: "2024-03-01 10:00:00" },
			{ state: "PAYMENT_CREATED", created_at: "2024-03-01 10:00:01" },
			{ state: "RESERVE_CREATED", created_at: "2024-03-01 10:00:02" },
		];
		expect(importOrder(go({ states }))).toMatchObject({
			kind: "ok",
			order: { state: "PAYMENT_CREATED" },
			notes: { brokenRule: "ORDER_CREATED -> PAYMENT_CREATED" },
		});
	});

	it("takes the last state of a history in order as the order's state", () => {
		const states = [
			{ state: "ORDER_CREATED", created_at: "2024-03-01 10:00:00" },
			{ state: "RESERVE_FAILED", created_at: "2024-03-01 10:00:01" },
		];
		expect(importOrder(go({ states }))).toMatchObject({ kind: "ok", order: { state: "RESERVE_FAILED" } });
	});

	it("gives an order without a history ORDER_CREATED at import time, and says so", () => {
		expect(importOrder(go({ states: [] }))).toMatchObject({
			kind: "ok",
			order: { state: "ORDER_CREATED", states: [{ state: "ORDER_CREATED", time: null }] },
			notes: { noHistory: true },
		});
	});

	it.each([
		["an id above 2^53-1", { id: "9007199254740993" }],
		["user 0", { user_id: "0" }],
		["a user id below -(2^53-1)", { user_id: "-9007199254740992" }],
		["a description over 1000 characters", { description: "x".repeat(1001) }],
		["a count of 0", { products: [{ product_id: "3", count: "0" }] }],
	])("refuses %s whole", (_what, overrides: Partial<GoOrderRows>) => {
		expect(importOrder(go(overrides))).toMatchObject({ kind: "refused", orderId: overrides.id ?? "42" });
	});
});

describe("differenceFrom", () => {
	const imported = importOrder({
		id: "42",
		user_id: "5",
		description: "",
		products: [{ product_id: "3", count: "2" }],
		states: [{ state: "ORDER_CREATED", created_at: "2024-03-01 10:00:00.25" }],
	});
	if (imported.kind !== "ok") throw new Error("fixture refused");
	const stored: StoredOrder = {
		user_id: 5,
		description: "",
		state: "ORDER_CREATED",
		products: [{ product_id: 3, count: 2 }],
		states: [{ state: "ORDER_CREATED", time: "2024-03-01T10:00:00.250000Z" }],
	};

	it("finds no difference in the same order", () => expect(differenceFrom(imported.order, stored)).toBeNull());

	it.each([
		["user_id", { user_id: 6 }, "user_id is 6 here, 5 in Go"],
		["description", { description: "x" }, "description differs"],
		["products", { products: [{ product_id: 3, count: 3 }] }, "products differ"],
		["a state's time", { states: [{ state: "ORDER_CREATED", time: "2024-03-01T10:00:00.000000Z" }] }, "state history differs"],
		["state", { state: "RESERVE_CREATED" }, "state is RESERVE_CREATED here, ORDER_CREATED in Go"],
	])("names a different %s", (_what, change, difference) => expect(differenceFrom(imported.order, { ...stored, ...change })).toBe(difference));

	it("matches any time for ORDER_CREATED recorded at import", () => {
		const noHistory = importOrder({ id: "1", user_id: "5", description: "", products: [], states: [] });
		if (noHistory.kind !== "ok") throw new Error("fixture refused");
		expect(differenceFrom(noHistory.order, { ...stored, products: [], states: [{ state: "ORDER_CREATED", time: "2026-01-01T00:00:00.000000Z" }] })).toBeNull();
	});
});

describe("importEvent", () => {
	it("sends Go's order events to this service's order topic, keyed by the order id, payload kept", () => {
		const payload = { idempotent_key: "8f0e2c8e-0000-4000-8000-000000000000", order_id: 42, status: "CREATED" };
		expect(importEvent({ id: "1", topic: "order", payload, created_at: "2024-03-01 10:00:00" }, 42, "orders-v2")).toEqual({
			topic: "orders-v2",
			message_key: "42",
			payload,
			created_at: "2024-03-01T10:00:00.000000Z",
		});
	});
});

describe("largestSafeId", () => {
	it("is the largest id clients can read, whatever the order, refused or not", () => {
		expect(largestSafeId(["7", "9007199254740993", "12", "3"])).toBe(12);
		expect(largestSafeId(["9007199254740993"])).toBeNull();
		expect(largestSafeId([])).toBeNull();
	});
});
