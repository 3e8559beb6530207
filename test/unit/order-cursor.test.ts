import { decodeCursor, encodeCursor } from "../../domain/order-cursor";

describe("order list cursor", () => {
	it("round-trips the last order id of a page", () => {
		for (const id of [1, 42, Number.MAX_SAFE_INTEGER]) expect(decodeCursor(encodeCursor(id))).toBe(id);
	});

	it("is opaque text safe in a URL", () => {
		expect(encodeCursor(17)).toMatch(/^[A-Za-z0-9_-]+$/);
	});

	it.each([
		["not base64 JSON", "%%%"],
		["empty", ""],
		["JSON without before", Buffer.from('{"after":3}').toString("base64url")],
		["before zero", Buffer.from('{"before":0}').toString("base64url")],
		["before a string", Buffer.from('{"before":"3"}').toString("base64url")],
		["before unsafe", Buffer.from('{"before":9007199254740993}').toString("base64url")],
		["null", Buffer.from("null").toString("base64url")],
	])("refuses a cursor that is %s", (_what, cursor) => {
		expect(decodeCursor(cursor)).toBeNull();
	});
});
