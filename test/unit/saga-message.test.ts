import { encodeSagaMessage, isUuid, parseSagaMessage, paymentStates, reserveStates, UUID_PATTERN } from "../../domain/saga-message";

const KEY = "3f2c7a90-5b1e-4c6d-9a8b-0e1f2a3b4c5d";
const json = (body: unknown) => JSON.stringify(body);

describe("parseSagaMessage", () => {
	it("reads a valid message, as a Buffer or a string, and lower-cases the key", () => {
		const value = json({ idempotent_key: KEY.toUpperCase(), order_id: 42, status: "CREATED" });
		const expected = { ok: true, message: { idempotent_key: KEY, order_id: 42, status: "CREATED" } };
		expect(parseSagaMessage(Buffer.from(value), reserveStates.statuses)).toEqual(expected);
		expect(parseSagaMessage(value, reserveStates.statuses)).toEqual(expected);
	});

	it("ignores fields it does not know", () => {
		expect(parseSagaMessage(json({ idempotent_key: KEY, order_id: 1, status: "FAILED", extra: true }), reserveStates.statuses).ok).toBe(true);
	});

	it.each([
		["null", null, "empty message value"],
		["undefined", undefined, "empty message value"],
		["an empty buffer", Buffer.alloc(0), "empty message value"],
		["not JSON", "{oops", "value is not JSON"],
		["invalid bytes", Buffer.from([0xff, 0xfe]), "value is not JSON"],
		["a JSON string", json("hello"), "value is not a JSON object"],
		["a JSON number", "42", "value is not a JSON object"],
		["JSON null", "null", "value is not a JSON object"],
		["a JSON array", json([KEY, 1, "CREATED"]), "value is not a JSON object"],
		["no idempotent_key", json({ order_id: 1, status: "CREATED" }), "idempotent_key must be a UUID string"],
		["a numeric idempotent_key", json({ idempotent_key: 7, order_id: 1, status: "CREATED" }), "idempotent_key must be a UUID string"],
		["an idempotent_key that is not a UUID", json({ idempotent_key: "abc", order_id: 1, status: "CREATED" }), "idempotent_key must be a UUID string"],
		["a UUID with extra text", json({ idempotent_key: `${KEY}x`, order_id: 1, status: "CREATED" }), "idempotent_key must be a UUID string"],
		["no order_id", json({ idempotent_key: KEY, status: "CREATED" }), "order_id must be a positive integer"],
		["order_id as a string", json({ idempotent_key: KEY, order_id: "1", status: "CREATED" }), "order_id must be a positive integer"],
		["order_id 0", json({ idempotent_key: KEY, order_id: 0, status: "CREATED" }), "order_id must be a positive integer"],
		["a negative order_id", json({ idempotent_key: KEY, order_id: -3, status: "CREATED" }), "order_id must be a positive integer"],
		["a fractional order_id", json({ idempotent_key: KEY, order_id: 1.5, status: "CREATED" }), "order_id must be a positive integer"],
		["an unsafe order_id", `{"idempotent_key":"${KEY}","order_id":18446744073709551616,"status":"CREATED"}`, "order_id must be a positive integer"],
		["order_id null", json({ idempotent_key: KEY, order_id: null, status: "CREATED" }), "order_id must be a positive integer"],
		["no status", json({ idempotent_key: KEY, order_id: 1 }), "status must be one of CREATED, FAILED"],
		["a lower-case status", json({ idempotent_key: KEY, order_id: 1, status: "created" }), "status must be one of CREATED, FAILED"],
		["a status of the other topic", json({ idempotent_key: KEY, order_id: 1, status: "COMPLETED" }), "status must be one of CREATED, FAILED"],
		["a numeric status", json({ idempotent_key: KEY, order_id: 1, status: 1 }), "status must be one of CREATED, FAILED"],
	])("calls %s malformed", (_what, value, error) => {
		expect(parseSagaMessage(value as Buffer | string | null | undefined, reserveStates.statuses)).toEqual({ ok: false, error });
	});

	it("accepts COMPLETED on the payment topic only", () => {
		const value = json({ idempotent_key: KEY, order_id: 1, status: "COMPLETED" });
		expect(parseSagaMessage(value, paymentStates.statuses).ok).toBe(true);
		expect(parseSagaMessage(value, reserveStates.statuses).ok).toBe(false);
	});
});

describe("status mappings and encoding", () => {
	it("maps each status of a topic to its order state", () => {
		expect(reserveStates.statuses.map(reserveStates.toState)).toEqual(["RESERVE_CREATED", "RESERVE_FAILED"]);
		expect(paymentStates.statuses.map(paymentStates.toState)).toEqual(["PAYMENT_CREATED", "PAYMENT_FAILED", "PAYMENT_COMPLETED"]);
	});

	it("encodes exactly the three contract fields, which parse back", () => {
		const message = { idempotent_key: KEY, order_id: 9, status: "FAILED" };
		const value = encodeSagaMessage({ ...message, extra: 1 } as typeof message);
		expect(JSON.parse(value)).toEqual(message);
		expect(parseSagaMessage(value, reserveStates.statuses)).toEqual({ ok: true, message });
	});
});

describe("isUuid", () => {
	it("answers as UUID_PATTERN for every character at every place of a key, and for other lengths", () => {
		const candidates = [KEY, KEY.toUpperCase(), "", KEY.slice(1), `${KEY}0`, `${KEY}\n`, KEY.replace(/-/g, "0"), "\u0661".repeat(36)];
		for (let place = 0; place < KEY.length; place++) {
			for (let code = 0; code < 256; code++) candidates.push(KEY.slice(0, place) + String.fromCharCode(code) + KEY.slice(place + 1));
			candidates.push(KEY.slice(0, place) + "\u0130" + KEY.slice(place + 1), KEY.slice(0, place) + "\uff41" + KEY.slice(place + 1));
		}
		for (const key of candidates) expect([key, isUuid(key)]).toEqual([key, UUID_PATTERN.test(key)]);
	});
});
