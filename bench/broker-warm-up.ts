/**
 * A Kafka broker this run started itself is a cold JVM: for its first minute it
 * compiles its produce and fetch paths and every figure (and its raw baseline)
 * runs slower. Produces and consumes a throw-away load first, so the figures
 * measure a broker in its steady state, as on a machine where it already ran.
 */
import { logLevel } from "kafkajs";
import { createKafka, ensureTopics } from "../lib/platform/clients/kafka";
import type { BenchContext } from "./context";
import { now, until } from "./support";

const MESSAGES = 100_000;
const BATCH = 500;
const GUARD_MS = 120_000;

export async function warmUpBroker(ctx: BenchContext): Promise<void> {
	const started = now();
	const kafka = createKafka(ctx.brokers, "bench-warm-up");
	// A broker just started is still loading its group coordinator: kafkajs restarts the consumer
	// until it answers, and would log each try as an error. Waited for here, not reported.
	kafka.logger().setLogLevel(logLevel.NOTHING);
	const topic = `bench-${ctx.run}-warm-up`;
	await ensureTopics(kafka, [topic], ctx.partitions);
	const producer = kafka.producer({ allowAutoTopicCreation: false });
	const consumer = kafka.consumer({ groupId: `bench-${ctx.run}-warm-up`, maxWaitTimeInMs: 100 });
	let consumed = 0;
	await Promise.all([producer.connect(), consumer.connect()]);
	try {
		await consumer.subscribe({ topic, fromBeginning: true });
		await consumer.run({ eachBatch: async ({ batch }) => void (consumed += batch.messages.length) });
		const value = JSON.stringify({ idempotent_key: "00000000-0000-4000-8000-000000000000", order_id: 1, status: "CREATED" });
		for (let sent = 0; sent < MESSAGES; sent += BATCH) {
			await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: Array.from({ length: BATCH }, (_, i) => ({ key: String(sent + i), value })) }] });
		}
		await until("the warm-up load coming back", async () => consumed >= MESSAGES, GUARD_MS, 100);
	} finally {
		await Promise.all([producer.disconnect(), consumer.disconnect()]);
	}
	ctx.log(`warmed up the broker this run started (${MESSAGES} messages in ${((now() - started) / 1000).toFixed(0)} s)`);
}
