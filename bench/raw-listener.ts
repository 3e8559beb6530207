/**
 * The listener figure's raw baseline: a bare kafkajs consumer of a twin topic
 * writing the state store's effect (bench/raw-orders.ts) in the same batch size,
 * with the same partitions consumed at once, without parsing checks, transition
 * rules, parking, cache invalidation or dead letters.
 */
import type { Kafka } from "kafkajs";
import type { Pool } from "pg";
import { rawApplyStates } from "./raw-orders";

/** As the listener engine (lib/listeners/listener-engine.ts): messages per transaction, partitions worked on at once. */
export const CHUNK = 1_000;
export const PARTITIONS_CONCURRENTLY = 3;

/** Consumes `topic` from its beginning as group `group` until stopped; answers the stop. */
export async function rawListen(kafka: Kafka, pool: Pool, topic: string, group: string): Promise<() => Promise<void>> {
	const consumer = kafka.consumer({ groupId: group });
	await consumer.connect();
	await consumer.subscribe({ topic, fromBeginning: true });
	await consumer.run({
		partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
		eachBatch: async ({ batch }) => {
			for (let i = 0; i < batch.messages.length; i += CHUNK) {
				const changes = batch.messages.slice(i, i + CHUNK).map((m) => {
					const { order_id, idempotent_key } = JSON.parse(String(m.value)) as { order_id: number; idempotent_key: string };
					return { order_id, idempotent_key, state: "RESERVE_CREATED" as const, topic: batch.topic, partition: batch.partition, offset: m.offset };
				});
				await rawApplyStates(pool, changes);
			}
		},
	});
	return () => consumer.disconnect();
}
