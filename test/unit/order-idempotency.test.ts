import { isValidIdempotencyKey, MAX_IDEMPOTENCY_KEY, requestHash } from "../../domain/order-idempotency";

const order = { user_id: 1, description: "Hello world", order_products: [{ product_id: 3, count: 1 }, { product_id: 4, count: 2 }] };

describe("Idempotency-Key", () => {
	it("accepts 1 to 255 visible ASCII characters", () => {
		expect(isValidIdempotencyKey("a")).toBe(true);
		expect(isValidIdempotencyKey("6f1c2a0e-order-1")).toBe(true);
		expect(isValidIdempotencyKey("k".repeat(MAX_IDEMPOTENCY_KEY))).toBe(true);
	});

	it.each([
		["empty", ""],
		["too long", "k".repeat(MAX_IDEMPOTENCY_KEY + 1)],
		["with a space", "order 1"],
		["with a non-ASCII letter", "ordér"],
		["with a control character", "order\t1"],
	])("refuses a key that is %s", (_what, key) => {
		expect(isValidIdempotencyKey(key)).toBe(false);
	});
});

describe("requestHash", () => {
	it("is the same for the same order, whatever the field order or an absent vs empty description", () => {
		const reordered = { order_products: order.order_products, description: "Hello world", user_id: 1 };
		expect(requestHash(reordered)).toBe(requestHash(order));
		expect(requestHash({ ...order, description: undefined })).toBe(requestHash({ ...order, description: "" }));
	});

	it.each([
		["another user", { ...order, user_id: 2 }],
		["another description", { ...order, description: "Hello" }],
		["another count", { ...order, order_products: [{ product_id: 3, count: 2 }, { product_id: 4, count: 2 }] }],
		["the products in another order", { ...order, order_products: [...order.order_products].reverse() }],
		["one product less", { ...order, order_products: [order.order_products[0]] }],
	])("differs for %s", (_what, other) => {
		expect(requestHash(other)).not.toBe(requestHash(order));
	});
});
