/** The three ways a redrive names its letters, and what counts as a Kafka offset. */
import { redriveSelector, toOffset } from "../../domain/dead-letter-input";

describe("redriveSelector", () => {
	it.each([
		[{ topic: "reserve", partition: 2, offset: 17 }, { topic: "reserve", partition: 2, offset: "17" }],
		[{ topic: "reserve", partition: 0, offset: "9007199254740993" }, { topic: "reserve", partition: 0, offset: "9007199254740993" }],
		[{ order_id: "42" }, { order_id: 42 }],
		[{ order_id: 42 }, { order_id: 42 }],
		[{ topic: "payment", reason: "out_of_order" as const }, { topic: "payment", reason: "out_of_order" }],
	])("%j names %j", (input, selector) => {
		expect(redriveSelector(input)).toEqual(selector);
	});

	it.each([[{}], [{ topic: "reserve" }], [{ topic: "reserve", partition: 1 }], [{ order_id: 1, reason: "malformed" as const }], [{ order_id: 1, topic: "reserve", partition: 0, offset: 1 }]])(
		"%j is none of the three shapes",
		(input) => {
			expect(redriveSelector(input)).toEqual({ error: expect.stringContaining("{topic, partition, offset}") });
		},
	);
});

describe("toOffset", () => {
	it.each([[0, "0"], ["0", "0"], [17, "17"], ["9223372036854775807", "9223372036854775807"]])("%j is offset %s", (value, text) => {
		expect(toOffset(value)).toBe(text);
	});
	it.each([[-1], ["-1"], ["01"], ["1e3"], [1.5], ["9223372036854775808"], [null], [""], [" 1"]])("%j is not an offset", (value) => {
		expect(toOffset(value)).toBeNull();
	});
});
