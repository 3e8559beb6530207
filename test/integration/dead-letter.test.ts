/** Dead letters against the real broker: many large ones in one go, and headers kafkajs cannot send again. */
import { randomUUID } from "node:crypto";
import { kafkaBrokers, loadConfig } from "../../lib/platform/config";
import { decodeHeaders, encodeHeaders, sendDeadLetters, type DeadLetter } from "../../lib/listeners/dead-letter";
import { createKafka, deadLetterTopic, ensureTopics } from "../../lib/platform/kafka";
import { readTopics } from "../../dev/cluster/topic-reader";
import { waitFor } from "../support/wait";

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

describe("sendDeadLetters", () => {
	it("sends more than the broker takes in one request (1,500 letters of 1 KB, 1 partition), all of them, in order", async () => {
		const source = `dl-${randomUUID().slice(0, 8)}`;
		await ensureTopics(kafka, [deadLetterTopic(source)], 1);
		const producer = kafka.producer();
		await producer.connect();
		const letters = Array.from({ length: 1_500 }, (_, i) => letter(i, Buffer.alloc(1_000, "x")));
		await sendDeadLetters(producer, source, letters);
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

	it("leaves out a header whose value is null (another client wrote it; kafkajs cannot send it) and keeps the rest", async () => {
		const source = `dl-${randomUUID().slice(0, 8)}`;
		await ensureTopics(kafka, [deadLetterTopic(source)], 1);
		const producer = kafka.producer();
		await producer.connect();
		const headers = { trace: Buffer.from("abc"), empty: null } as unknown as DeadLetter["headers"];
		await sendDeadLetters(producer, source, [letter(7, Buffer.from("{oops"), headers)]);
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
