/**
 * outbox-relay: publishes the transactional outbox to Kafka (lib/outbox/outbox-relay.ts).
 * It is woken by PostgreSQL's NOTIFY at commit, not by calls; its one action
 * reports the backlog (REPL `outbox`), which it also exports as metrics.
 */
import type { Service, ServiceSchema } from "moleculer";
import { config } from "../lib/platform/config";
import { registerMetrics, SAGA_METRICS } from "../lib/platform/metrics";
import { createOutboxRelay, type OutboxRelay } from "../lib/outbox/outbox-relay";

const cfg = config();
const BACKLOG_METRICS_EVERY_MS = 5_000;

/** Per service instance: its relay and the timer refreshing the backlog gauges. */
const relays = new WeakMap<Service, { relay: OutboxRelay; gauges?: NodeJS.Timeout }>();
const relayOf = (service: Service) => relays.get(service)!.relay;

async function refreshBacklogGauges(service: Service): Promise<void> {
	const backlog = await relayOf(service).backlog().catch(() => null);
	if (!backlog) return;
	service.broker.metrics.set(SAGA_METRICS.outboxBacklog, backlog.unsent);
	service.broker.metrics.set(SAGA_METRICS.outboxOldestAge, (backlog.oldest_unsent_age_ms ?? 0) / 1000);
}

const OutboxRelayService: ServiceSchema = {
	name: "outbox-relay",

	actions: {
		backlog: {
			visibility: "public",
			handler() {
				return relayOf(this).backlog();
			},
		},
	},

	created() {
		registerMetrics(this.broker, ["outboxPublished", "outboxBacklog", "outboxOldestAge"]);
		const relay = createOutboxRelay(cfg, this.logger, (topic, count) =>
			this.broker.metrics.increment(SAGA_METRICS.outboxPublished, { topic }, count),
		);
		relays.set(this, { relay });
	},

	async started() {
		await relayOf(this).start();
		if (this.broker.isMetricsEnabled()) {
			relays.get(this)!.gauges = setInterval(() => void refreshBacklogGauges(this), BACKLOG_METRICS_EVERY_MS);
			void refreshBacklogGauges(this);
		}
	},

	async stopped() {
		clearInterval(relays.get(this)?.gauges);
		await relays.get(this)?.relay.stop();
	},
};

export default OutboxRelayService;
