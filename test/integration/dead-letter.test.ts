/**
 * Dead letters against the real broker and database: many large ones in one go,
 * headers kafkajs cannot send again, and each letter recorded once.
 */
import { randomUUID } from "node:crypto";
import { QueryTypes } from "sequelize";
import { kafkaBrokers, loadConfig } from "../../lib/platform/config/config";
import { createSequelize } from "../../lib/platform/clients/database";
import { sendDeadLetters } from "../../lib/listeners/dead-letter";
import type { DeadLetter } from "../../lib/dead-letters";
import { decodeHeaders, encodeHeaders } from "../../lib/platform/clients/message-headers";
import { createKafka, deadLetterTopic, ensureTopics } from "../../lib/platform/clients/kafka";
import { readTopics } from "../../dev/cluster/topic-reader";
import { waitFor } from "../support/wait";
import { TEST_DATABASE_URL } from "../support/test-env";

const kafka = createKafka(kafkaBrokers(loadConfig()), `dead-letter-test-${randomUUID().slice(0, 8)}`);

const letter = (offset: number, value: Buffer, headers: DeadLetter["headers"] = {}): DeadLetter => ({
	topic: "source",
	partition: 0,
	offset: String(offset),
	key: Buffer.from(String(offset)),
	value,
	headers,
	reason: "malformed",
	error: "value is not JSON",
});

const db = createSequelize(TEST_DATABASE_URL, 2);
afterAll(() => db.close());

const recorded = async (source: string) =>
	db.query<{ source_offset: string; reason: string; message_value: Buffer | null }>(
		"SELECT source_offset::text, reason, message_value FROM dead_letters WHERE source_topic = $1 ORDER BY source_offset",
		{ bind: [source], type: QueryTypes.SELECT },
	);

describe("sendDeadLetters", () => {
	it("sends more than the broker takes in one request (1,500 letters of 1 KB, 1 partition), all of them, in order", async () => {
		const source = `dl-${randomUUID().slice(0, 8)}`;
		await ensureTopics(kafka, [deadLetterTopic(source)], 1);
		const producer = kafka.producer();
		await producer.connect();
		const letters = Array.from({ length: 1_500 }, (_, i) => letter(i, Buffer.alloc(1_000, "x")));
		await sendDeadLetters(producer, db, source, letters);
		await producer.disconnect();

		const reader = await readTopics(kafka, [deadLetterTopic(source)]);
		try {
			await waitFor(() => (reader.messages.length >= letters.length ? true : undefined), "every dead letter");
			expect(reader.messages.map((m) => m.key)).toEqual(letters.map((l) => l.offset));
			expect(reader.messages[0].headers).toMatchObject({ reason: "malformed", source_topic: "source", source_offset: "0" });
		} finally {
			await reader.stop();
		}
	});

	it("records each letter once, with its original value; the same letters sent again (a redelivery after a crash) add no row", async () => {
		const source = `dl-${randomUUID().slice(0, 8)}`;
		await ensureTopics(kafka, [deadLetterTopic(source)], 1);
		const producer = kafka.producer();
		await producer.connect();
		const letters = [0, 1, 2].map((i) => ({ ...letter(i, Buffer.from(`{bad ${i}`)), topic: source }));
		await sendDeadLetters(producer, db, source, letters);
		await sendDeadLetters(producer, db, source, letters);
		await producer.disconnect();
		const rows = await recorded(source);
		expect(rows.map((r) => [r.source_offset, r.reason, r.message_value?.toString()])).toEqual([
			["0", "malformed", "{bad 0"],
			["1", "malformed", "{bad 1"],
			["2", "malformed", "{bad 2"],
		]);
	});

	it("leaves out a header whose value is null (another client wrote it; kafkajs cannot send it) and keeps the rest", async () => {
		const source = `dl-${randomUUID().slice(0, 8)}`;
		await ensureTopics(kafka, [deadLetterTopic(source)], 1);
		const producer = kafka.producer();
		await producer.connect();
		const headers = { trace: Buffer.from("abc"), empty: null } as unknown as DeadLetter["headers"];
		await sendDeadLetters(producer, db, source, [letter(7, Buffer.from("{oops"), headers)]);
		await producer.disconnect();

		const reader = await readTopics(kafka, [deadLetterTopic(source)]);
		try {
			const [message] = await waitFor(() => (reader.messages.length > 0 ? reader.messages : undefined), "the dead letter");
			expect(message.headers.trace).toBe("abc");
			expect(message.headers).not.toHaveProperty("empty");
		} finally {
			await reader.stop();
		}
	});
});

describe("encodeHeaders", () => {
	it("round-trips header bytes and leaves out null values", () => {
		const encoded = encodeHeaders({ a: Buffer.from([0, 255]), b: "text", c: null } as unknown as Parameters<typeof encodeHeaders>[0]);
		expect(Object.keys(encoded)).toEqual(["a", "b"]);
		expect(decodeHeaders(encoded)).toEqual({ a: Buffer.from([0, 255]), b: Buffer.from("text") });
	});
});
