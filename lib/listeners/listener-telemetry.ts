/**
 * What a Kafka listener tells the outside about the messages it consumed:
 * `orders.messages.total` {topic, outcome, reason}, `orders.consumer.lag`
 * {topic, partition}, and log lines carrying `order_id` and `idempotent_key`
 * (the "jsonext" formatter lifts the leading object into the JSON line).
 * Applied, duplicate and parked messages log at debug only; a dead letter is a warn.
 */
import type { Logger, ServiceBroker } from "moleculer";
import { deadLetterTopic } from "../platform/clients/kafka";
import { registerMetrics, SAGA_METRICS } from "../platform/observability/metrics";

export type MessageOutcome = "applied" | "duplicate" | "parked" | "dead_lettered";

export interface ConsumedMessage {
	order_id: number | string | null;
	idempotent_key: string | null;
	partition: number;
	offset: string;
}

export interface ListenerTelemetry {
	/** Call once the message's effect (state, parked row or dead letter) is durable. */
	record(outcome: MessageOutcome, message: ConsumedMessage, why?: { reason: string; error: string }): void;
	/** Messages of `partition` not yet processed. */
	lag(partition: number, messages: number): void;
	/** After a rebalance: partitions this node no longer holds are not behind here (their new holder reports them). */
	assigned(partitions: number[]): void;
}

export function listenerTelemetry(broker: ServiceBroker, logger: Logger, topic: string): ListenerTelemetry {
	registerMetrics(broker, ["messages", "consumerLag"]);
	const reported = new Set<number>();
	return {
		record(outcome, message, why) {
			broker.metrics.increment(SAGA_METRICS.messages, { topic, outcome, reason: why?.reason ?? "" });
			const fields = { order_id: message.order_id, idempotent_key: message.idempotent_key, topic, partition: message.partition, offset: message.offset };
			if (why) logger.warn({ ...fields, reason: why.reason, error: why.error }, `dead-lettered to ${deadLetterTopic(topic)}: ${why.reason}`);
			else logger.debug({ ...fields, outcome }, outcome);
		},
		lag(partition, messages) {
			reported.add(partition);
			broker.metrics.set(SAGA_METRICS.consumerLag, messages, { topic, partition });
		},
		assigned(partitions) {
			for (const partition of reported) if (!partitions.includes(partition)) this.lag(partition, 0);
		},
	};
}
