/**
 * The outbox relay's Kafka value from a payload's jsonb text (lib/outbox/message-value.ts):
 * the bytes are those the relay wrote when it parsed the payload and encoded it
 * (encodeSagaMessage for a saga payload, JSON.stringify otherwise).
 */
import { messageValue } from "../../lib/outbox/message-value";
import { encodeSagaMessage } from "../../domain/saga-message";

const KEY = "3f2c7a90-5b1e-4c6d-9a8b-0e1f2a3b4c5d";
/** jsonb's text of a saga payload: keys shortest first, ": " and ", " between. */
const sagaJsonb = (status: string, orderId: string, key = KEY) => `{"status": ${JSON.stringify(status)}, "order_id": ${orderId}, "idempotent_key": ${JSON.stringify(key)}}`;

it("writes a saga payload in the contract's field order, without spaces", () => {
	expect(messageValue(sagaJsonb("CREATED", "42"))).toBe(`{"idempotent_key":"${KEY}","order_id":42,"status":"CREATED"}`);
	expect(messageValue(sagaJsonb("FAILED", "-7"))).toBe(`{"idempotent_key":"${KEY}","order_id":-7,"status":"FAILED"}`);
});

it("keeps a string's escapes as JSON.stringify writes them, whatever the string holds", () => {
	const tricky = String.raw`q"b\s` + '\n\u0001é😀 ", "order_id": 1, "idempotent_key": "x';
	expect(messageValue(sagaJsonb(tricky, "5"))).toBe(
		String.raw`{"idempotent_key":"${KEY}","order_id":5,"status":"q\"b\\s\n\u0001é😀 \", \"order_id\": 1, \"idempotent_key\": \"x"}`,
	);
	for (let code = 0; code < 0x80; code++) {
		const status = `a${String.fromCharCode(code)}b`;
		expect(messageValue(sagaJsonb(status, "9"))).toBe(encodeSagaMessage({ idempotent_key: KEY, order_id: 9, status }));
	}
});

it.each([
	["extra fields (dropped)", `{"extra": [1, 2], "status": "CREATED", "order_id": 7, "idempotent_key": "${KEY}"}`, `{"idempotent_key":"${KEY}","order_id":7,"status":"CREATED"}`],
	["a fraction's zero", `{"status": "CREATED", "order_id": 1.0, "idempotent_key": "${KEY}"}`, `{"idempotent_key":"${KEY}","order_id":1,"status":"CREATED"}`],
	["16 digits", `{"status": "CREATED", "order_id": 9007199254740993, "idempotent_key": "${KEY}"}`, `{"idempotent_key":"${KEY}","order_id":9007199254740992,"status":"CREATED"}`],
	["a string order_id", `{"status": "CREATED", "order_id": "7", "idempotent_key": "${KEY}"}`, `{"idempotent_key":"${KEY}","order_id":"7","status":"CREATED"}`],
	["a numeric key", `{"status": "CREATED", "order_id": 7, "idempotent_key": 3}`, `{"idempotent_key":3,"order_id":7,"status":"CREATED"}`],
])("a saga payload with %s is parsed and encoded as before", (_, jsonb, value) => {
	expect(messageValue(jsonb)).toBe(value);
});

it.each([
	["an object", `{"a": null, "b": {"y": [1, 2.50, "x"]}}`, `{"a":null,"b":{"y":[1,2.5,"x"]}}`],
	["an object lacking a contract field", `{"status": "CREATED", "order_id": 7}`, `{"status":"CREATED","order_id":7}`],
	["an array", `[3, "x"]`, `[3,"x"]`],
	["a string", `"s"`, `"s"`],
	["null", `null`, `null`],
])("any other payload, %s, is compact JSON", (_, jsonb, value) => {
	expect(messageValue(jsonb)).toBe(value);
});
