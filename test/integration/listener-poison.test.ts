/**
 * A message that always fails while the database is up (a trigger the test
 * installs refuses one order's states, SQLSTATE 23514) is dead-lettered as
 * `processing_error` and the partition moves on: the messages around it on the
 * same partition, in the same fetch, are applied and the offset passes it.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import type { Pool } from "pg";
import { deadLetterTopic } from "../../lib/platform/clients/kafka";
import { SAGA_METRICS } from "../../lib/platform/observability/metrics";
import { freePort } from "../../dev/cluster/ports";
import { startNode } from "../support/cluster";
import { groupLag } from "../support/consumer-group";
import { createOrder, historyOf, testPool } from "../support/orders-fixture";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { readTopics } from "../../dev/cluster/topic-reader";
import { waitFor } from "../support/wait";

process.env.LOG_LEVEL = "error"; // the failed tries warn
const topics = useSagaTopics(1);
const refuse = `refuse_${randomUUID().slice(0, 8)}`;

describe("a poison message", () => {
	let broker: ServiceBroker;
	let pool: Pool;
	let poison: number;

	beforeAll(async () => {
		pool = testPool();
		await topics.setUp();
		poison = await createOrder(pool);
		// A value the database refuses, for this one order only: other tests share the table.
		await pool.query(`CREATE FUNCTION ${refuse}() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'order % refused by the test', NEW.order_id USING ERRCODE = 'check_violation'; END $$`);
		await pool.query(`CREATE TRIGGER ${refuse} BEFORE INSERT ON order_states FOR EACH ROW WHEN (NEW.order_id = ${poison}) EXECUTE FUNCTION ${refuse}()`);
		broker = await startNode(["state", "reserve-listener"], { METRICS: "on", METRICS_PORT: String(await freePort()) });
	});
	afterAll(async () => {
		await broker?.stop();
		await pool?.query(`DROP TRIGGER IF EXISTS ${refuse} ON order_states`);
		await pool?.query(`DROP FUNCTION IF EXISTS ${refuse}()`);
		await topics.tearDown();
		await pool?.end();
	});

	it("is dead-lettered as processing_error and the messages after it on its partition are applied", async () => {
		const before = await createOrder(pool);
		const after = await createOrder(pool);
		const producer = topics.kafka.producer();
		await producer.connect();
		// One send: the three land next to each other and usually come in one fetch, one applyBatch.
		const [sent] = await producer.send({
			topic: topics.reserve,
			acks: -1,
			messages: [before, poison, after].map((id) => ({ key: String(id), value: sagaMessage(id, "CREATED") })),
		});
		await producer.disconnect();
		const poisonOffset = String(Number(sent.baseOffset) + 1);

		const reader = await readTopics(topics.kafka, [deadLetterTopic(topics.reserve)]);
		try {
			const [letter] = await waitFor(() => (reader.messages.length > 0 ? reader.messages : undefined), "the poison message's dead letter");
			expect(letter.key).toBe(String(poison));
			expect(letter.headers).toMatchObject({ reason: "processing_error", source_topic: topics.reserve, source_offset: poisonOffset });
			expect(letter.headers.error).toContain(`order ${poison} refused by the test`);
		} finally {
			await reader.stop();
		}
		for (const id of [before, after]) expect((await historyOf(pool, id)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
		expect((await historyOf(pool, poison)).states).toEqual(["ORDER_CREATED"]);
		const committed = async () => (await groupLag(topics.kafka, topics.env.RESERVE_GROUP, topics.reserve))[0]?.committed ?? -1;
		await waitFor(async () => ((await committed()) > Number(poisonOffset) + 1 ? true : undefined), "the offset to pass the poison message");

		const counted = broker.metrics.getMetric(SAGA_METRICS.messages)?.get({ topic: topics.reserve, outcome: "dead_lettered", reason: "processing_error" });
		expect(counted?.value).toBe(1);
	});
});
