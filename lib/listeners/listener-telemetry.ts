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
	/**
	 * `record` for `count` messages of one outcome without a reason (a chunk's applied ones): one
	 * counter update; `messages` is called only when their debug lines are printed.
	 */
	recordMany(outcome: MessageOutcome, count: number, messages: () => ConsumedMessage[]): void;
	/** Messages of `partition` not yet processed. */
	lag(partition: number, messages: number): void;
	/** After a rebalance: partitions this node no longer holds are not behind here (their new holder reports them). */
	assigned(partitions: number[]): void;
}

/**
 * Whether the broker's logger may print debug lines: false only for a plain
 * level above debug (LOG_LEVEL); any other configuration is taken as yes.
 */
function mayLogDebug(broker: ServiceBroker): boolean {
	const options = broker.options.logger as { options?: { level?: unknown } } | undefined;
	const level = options?.options?.level;
	return typeof level !== "string" || ["debug", "trace"].includes(level);
}

export function listenerTelemetry(broker: ServiceBroker, logger: Logger, topic: string): ListenerTelemetry {
	registerMetrics(broker, ["messages", "consumerLag"]);
	const reported = new Set<number>();
	// A chunk holds a thousand messages: building a debug line for each that nothing prints cost about as much as applying it.
	const debug = mayLogDebug(broker);
	const fieldsOf = (message: ConsumedMessage) => ({ order_id: message.order_id, idempotent_key: message.idempotent_key, topic, partition: message.partition, offset: message.offset });
	return {
		record(outcome, message, why) {
			broker.metrics.increment(SAGA_METRICS.messages, { topic, outcome, reason: why?.reason ?? "" });
			if (why) logger.warn({ ...fieldsOf(message), reason: why.reason, error: why.error }, `dead-lettered to ${deadLetterTopic(topic)}: ${why.reason}`);
			else if (debug) logger.debug({ ...fieldsOf(message), outcome }, outcome);
		},
		recordMany(outcome, count, messages) {
			if (count === 0) return;
			broker.metrics.increment(SAGA_METRICS.messages, { topic, outcome, reason: "" }, count);
			if (debug) for (const message of messages()) logger.debug({ ...fieldsOf(message), outcome }, outcome);
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
