/**
 * The saga's own Prometheus metrics (served with Moleculer's on METRICS_PORT
 * /metrics). Each service registers the ones it moves in `created`; with
 * METRICS=off the calls are no-ops.
 */
import type { MetricRegistry, ServiceBroker } from "moleculer";

export const SAGA_METRICS = {
	outboxBacklog: "orders.outbox.backlog",
	outboxOldestAge: "orders.outbox.oldest.unsent.seconds",
	outboxPublished: "orders.outbox.published.total",
	consumerLag: "orders.consumer.lag",
	messages: "orders.messages.total",
	httpDuration: "orders.http.request.duration.seconds",
	grpcDuration: "orders.grpc.request.duration.seconds",
	grpcRequests: "orders.grpc.requests.total",
	stuck: "orders.stuck",
	stuckOldestAge: "orders.stuck.oldest.seconds",
	stateDuration: "orders.state.duration.seconds",
} as const;

type MetricDefinition = MetricRegistry.GaugeMetricOptions | MetricRegistry.CounterMetricOptions | MetricRegistry.HistogramMetricOptions;

const DEFINITIONS: Record<keyof typeof SAGA_METRICS, MetricDefinition> = {
	outboxBacklog: { type: "gauge", name: SAGA_METRICS.outboxBacklog, description: "Outbox events not yet published" },
	outboxOldestAge: { type: "gauge", name: SAGA_METRICS.outboxOldestAge, description: "Age of the oldest unpublished outbox event" },
	outboxPublished: { type: "counter", name: SAGA_METRICS.outboxPublished, labelNames: ["topic"], description: "Outbox events published to Kafka" },
	consumerLag: { type: "gauge", name: SAGA_METRICS.consumerLag, labelNames: ["topic", "partition"], description: "Messages behind the end of each partition" },
	messages: {
		type: "counter",
		name: SAGA_METRICS.messages,
		labelNames: ["topic", "outcome", "reason"],
		description: "Consumed messages by outcome (applied, duplicate, parked, dead_lettered) and dead-letter reason",
	},
	httpDuration: {
		type: "histogram",
		name: SAGA_METRICS.httpDuration,
		labelNames: ["method", "route", "status"],
		buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
		description: "REST request latency",
	},
	grpcDuration: {
		type: "histogram",
		name: SAGA_METRICS.grpcDuration,
		labelNames: ["method", "code"],
		buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
		description: "gRPC call latency per OrdersApi method and status code",
	},
	grpcRequests: { type: "counter", name: SAGA_METRICS.grpcRequests, labelNames: ["method", "code"], description: "gRPC calls per OrdersApi method and status code" },
	stuck: { type: "gauge", name: SAGA_METRICS.stuck, labelNames: ["state"], description: "Orders in a waiting state for longer than its deadline" },
	stuckOldestAge: { type: "gauge", name: SAGA_METRICS.stuckOldestAge, labelNames: ["state"], description: "How long the oldest stuck order of each state has been in it, 0 when none" },
	stateDuration: {
		type: "histogram",
		name: SAGA_METRICS.stateDuration,
		labelNames: ["state"],
		buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
		description: "Time orders spent in a state, observed when they leave it",
	},
};

export function registerMetrics(broker: ServiceBroker, names: Array<keyof typeof SAGA_METRICS>): void {
	if (!broker.isMetricsEnabled()) return;
	// Several services of one node may share a metric (both listeners): register it once.
	for (const name of names) if (!broker.metrics.hasMetric(SAGA_METRICS[name])) register(broker.metrics, DEFINITIONS[name]);
}

/** One call per metric type: the registry's typings overload register() by type. */
function register(registry: MetricRegistry, definition: MetricDefinition): void {
	switch (definition.type) {
		case "gauge":
			registry.register(definition);
			break;
		case "counter":
			registry.register(definition);
			break;
		case "histogram":
			registry.register(definition);
			break;
	}
}
