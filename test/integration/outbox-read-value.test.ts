/**
 * The outbox encodes a saga payload's Kafka value in SQL (outbox_message_value,
 * migration 0008) and outbox_read hands a batch over as one row, its values
 * joined by newlines: the bytes must be those the relay's own encoding gives
 * (encodeSagaMessage, or lib/outbox/message-value.ts for the payloads it leaves
 * to the relay), whatever the strings hold. Through real PostgreSQL, on a
 * private database.
 */
import { encodeSagaMessage } from "../../domain/saga-message";
import { messageValue } from "../../lib/outbox/message-value";
import { privateDatabase, type PrivateDatabase } from "./outbox-helpers";

let db: PrivateDatabase;
const KEY = "3f2c7a90-5b1e-4c6d-9a8b-0e1f2a3b4c5d";

beforeAll(async () => {
	db = await privateDatabase();
});
afterAll(() => db?.drop());

/** Writes the payloads as one topic's rows and reads them back through outbox_read: [built in SQL, value the relay sends]. */
async function readBack(payloads: unknown[]): Promise<Array<[string | null, string]>> {
	const topic = `read-value-${Math.random()}`;
	await db.pool.query("INSERT INTO outbox (topic, message_key, payload) SELECT $1, '1', p FROM unnest($2::jsonb[]) WITH ORDINALITY AS e(p, n) ORDER BY n", [
		topic,
		payloads.map((p) => JSON.stringify(p)),
	]);
	const after = Array<string>(64).fill("0");
	const { rows } = await db.pool.query<[string, string, number[] | null]>({
		text: "SELECT keys, message_values, payload_rows FROM outbox_read($1, $2, $3, 1000)",
		values: [topic, after, payloads.length + 1],
		rowMode: "array",
	});
	const [[keys, values, payloadRows]] = rows;
	expect(JSON.parse(keys)).toEqual(payloads.map(() => "1"));
	const leftToRelay = new Set(payloadRows ?? []);
	// The values are joined by newlines: one per payload, whatever its strings hold.
	return values.split("\n").map((value, i) => (leftToRelay.has(i) ? [null, messageValue(value)] : [value, value]));
}

it("builds a saga payload's value in SQL, byte for byte as encodeSagaMessage, for every ASCII character and beyond", async () => {
	// From 1: jsonb cannot hold U+0000.
	const statuses = [...Array.from({ length: 0x7f }, (_, code) => `a${String.fromCharCode(code + 1)}b`), String.raw`q"b\s` + '\n\u0001é😀 ", "order_id": 1', "\u2028\u2029"];
	const messages = statuses.map((status, i) => ({ idempotent_key: `${KEY}${status}`, order_id: i - 3, status }));
	const got = await readBack(messages);
	got.forEach(([built], i) => expect(built).toBe(encodeSagaMessage(messages[i])));
});

it.each([
	["extra fields", { extra: [1, 2], status: "CREATED", order_id: 7, idempotent_key: KEY }, true],
	["a large order_id", { status: "CREATED", order_id: 123456789012345, idempotent_key: KEY }, true],
	["a fraction", { status: "CREATED", order_id: 1.5, idempotent_key: KEY }, false],
	["16 digits", { status: "CREATED", order_id: 9007199254740993n.toString(), idempotent_key: KEY }, false],
	["a string order_id", { status: "CREATED", order_id: "7", idempotent_key: KEY }, false],
	["a numeric key", { status: "CREATED", order_id: 7, idempotent_key: 3 }, false],
	["no status", { order_id: 7, idempotent_key: KEY }, false],
	["an array", [3, "x"], false],
])("a payload with %s is sent as the relay's own encoding gives it", async (_, payload, inSql) => {
	const [[built, sent]] = await readBack([payload]);
	expect(built !== null).toBe(inSql);
	expect(sent).toBe(messageValue(JSON.stringify(payload)));
});
