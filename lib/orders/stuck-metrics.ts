/**
 * The stuck monitor's figures as Prometheus metrics: orders_stuck{state} and
 * orders_stuck_oldest_seconds{state} from the node holding the lease (every
 * waiting state, 0 when none is stuck), and orders_state_duration_seconds{state}
 * observed for each state an order left. A node without the lease clears its
 * two gauges, so only one node reports them.
 */
import type { ServiceBroker } from "moleculer";
import { registerMetrics, SAGA_METRICS } from "../platform/observability/metrics";
import type { StuckMonitorSink } from "./stuck-monitor";

export function stuckMetricsSink(broker: ServiceBroker): StuckMonitorSink {
	registerMetrics(broker, ["stuck", "stuckOldestAge", "stateDuration"]);
	const metrics = broker.metrics;
	return {
		report(summary, transitions, now) {
			for (const { state, count, oldest_since } of summary) {
				metrics.set(SAGA_METRICS.stuck, count, { state });
				metrics.set(SAGA_METRICS.stuckOldestAge, oldest_since === null ? 0 : Math.max(0, (now - Date.parse(oldest_since)) / 1000), { state });
			}
			for (const { left, seconds } of transitions) metrics.observe(SAGA_METRICS.stateDuration, seconds, { state: left });
		},
		standBy() {
			if (!broker.isMetricsEnabled()) return;
			metrics.getMetric(SAGA_METRICS.stuck)?.clear();
			metrics.getMetric(SAGA_METRICS.stuckOldestAge)?.clear();
		},
	};
}
