import { toUserId } from "../../domain/order-input";

describe("toUserId", () => {
	it.each([
		[1, 1],
		[-1001234567890, -1001234567890],
		["-1001234567890", -1001234567890],
		["42", 42],
		[Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
		[-Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
	])("reads %p as %p", (value, expected) => {
		expect(toUserId(value)).toBe(expected);
	});

	it.each([0, "0", "-0", "+5", "05", "1e3", " 1", "1.0", 1.5, -(2 ** 53), "-9007199254740992", "9223372036854775807", null, undefined, "abc"])(
		"refuses %p",
		(value) => {
			expect(toUserId(value)).toBeNull();
		},
	);
});
