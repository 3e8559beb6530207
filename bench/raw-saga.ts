/**
 * The saga's hops with nothing but `pg` and kafkajs: create = the order's
 * transaction then a send of its `order` event (no outbox, no relay); a bare
 * consumer per answer topic writes the states (bench/raw-orders.ts), no checks.
 * Same topics and partitions as the service run's twins, same consumer settings.
 */
import { randomUUID } from "node:crypto";
import type { Consumer } from "kafkajs";
import type { OrderState } from "../domain/order-state";
import { Pool } from "pg";
import { createKafka } from "../lib/platform/clients/kafka";
import { rawApplyStates, rawCreateOrder } from "./raw-orders";

const STATE_OF: Record<string, Record<string, OrderState>> = {
	reserve: { CREATED: "RESERVE_CREATED", FAILED: "RESERVE_FAILED" },
	payment: { CREATED: "PAYMENT_CREATED", FAILED: "PAYMENT_FAILED", COMPLETED: "PAYMENT_COMPLETED" },
};

export interface RawSagaOptions {
	brokers: string[];
	databaseUrl: string;
	poolMax: number;
	/** ORDER_TOPIC, RESERVE_TOPIC, PAYMENT_TOPIC and NAMESPACE (prefix of the consumer groups). */
	env: Record<string, string | undefined>;
}

export async function startRawSaga({ brokers, databaseUrl, poolMax, env }: RawSagaOptions) {
	const kafka = createKafka(brokers, "bench-raw-saga");
	const pool = new Pool({ connectionString: databaseUrl, max: poolMax });
	const producer = kafka.producer({ allowAutoTopicCreation: false });
	await producer.connect();
	const consumers: Consumer[] = [];
	for (const [kind, topic] of [["reserve", env.RESERVE_TOPIC as string], ["payment", env.PAYMENT_TOPIC as string]]) {
		const consumer = kafka.consumer({ groupId: `${env.NAMESPACE}-${kind}` });
		await consumer.connect();
		await consumer.subscribe({ topic, fromBeginning: true });
		await consumer.run({
			partitionsConsumedConcurrently: 3,
			eachBatch: async ({ batch }) => {
				const changes = batch.messages.map((m) => {
					const { order_id, idempotent_key, status } = JSON.parse(String(m.value)) as { order_id: number; idempotent_key: string; status: string };
					return { order_id, idempotent_key, state: STATE_OF[kind][status], topic: batch.topic, partition: batch.partition, offset: m.offset };
				});
				if (changes.length > 0) await rawApplyStates(pool, changes);
			},
		});
		consumers.push(consumer);
	}
	return {
		async create(): Promise<number> {
			const orderId = await rawCreateOrder(pool, null);
			const value = JSON.stringify({ idempotent_key: randomUUID(), order_id: orderId, status: "CREATED" });
			await producer.send({ topic: env.ORDER_TOPIC as string, acks: -1, messages: [{ key: String(orderId), value }] });
			return orderId;
		},
		async stop() {
			await Promise.all(consumers.map((c) => c.disconnect()));
			await producer.disconnect();
			await pool.end();
		},
	};
}
