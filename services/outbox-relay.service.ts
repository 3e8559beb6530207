/**
 * outbox-relay: publishes the transactional outbox to Kafka (lib/outbox/outbox-relay.ts).
 * It is woken by PostgreSQL's NOTIFY at commit, not by calls; its one action
 * reports the backlog (REPL `outbox`), which it also exports as metrics.
 */
import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import { registerMetrics, SAGA_METRICS } from "../lib/platform/observability/metrics";
import { createOutboxRelay, RELAY_POOL_CONNECTIONS, type OutboxRelay, type OutboxRelayConfig } from "../lib/outbox/outbox-relay";
import { leaseDatabase, type DatabaseLease } from "../lib/platform/clients/shared-database";
import { outboxRelaySettingsSchema } from "../lib/outbox/outbox-relay-settings";
import { checkSettings } from "../lib/platform/config/settings-check";

const BACKLOG_METRICS_EVERY_MS = 5_000;

export interface OutboxRelaySettings extends ServiceSettingSchema {
	/** Database, Kafka, topic and the relay's batch, poll, backoff and retention settings (given by the node). */
	relay?: OutboxRelayConfig;
}

interface OutboxRelayVars {
	relay: OutboxRelay;
	/** The node's pool, with the relay's connections added to it. */
	database: DatabaseLease;
	/** The timer refreshing the backlog gauges. */
	gauges?: NodeJS.Timeout;
}

interface OutboxRelayMethods {
	refreshBacklogGauges(): Promise<void>;
}

const OutboxRelayService: ServiceSchema<OutboxRelaySettings, OutboxRelayMethods, OutboxRelayVars> = {
	name: "outbox-relay",
	// The relay's settings hold the database URL.
	settings: { $secureSettings: ["relay"] },

	actions: {
		backlog: {
			visibility: "public",
			handler() {
				return this.relay.backlog();
			},
		},
	},

	methods: {
		async refreshBacklogGauges() {
			const backlog = await this.relay.backlog().catch(() => null);
			if (!backlog) return;
			this.broker.metrics.set(SAGA_METRICS.outboxBacklog, backlog.unsent);
			this.broker.metrics.set(SAGA_METRICS.outboxOldestAge, (backlog.oldest_unsent_age_ms ?? 0) / 1000);
		},
	},

	created() {
		checkSettings("outbox-relay", outboxRelaySettingsSchema, this.settings);
		const relay = this.settings.relay as OutboxRelayConfig;
		registerMetrics(this.broker, ["outboxPublished", "outboxBacklog", "outboxOldestAge"]);
		// No say on the node's shared size (DB_POOL_MAX): the relay adds its own fixed need to it.
		this.database = leaseDatabase(this.broker, relay.databaseUrl, 0, RELAY_POOL_CONNECTIONS);
		this.relay = createOutboxRelay(relay, this.database.sequelize, this.logger, (topic, count) => this.broker.metrics.increment(SAGA_METRICS.outboxPublished, { topic }, count));
	},

	async started() {
		await this.relay.start();
		if (this.broker.isMetricsEnabled()) {
			this.gauges = setInterval(() => void this.refreshBacklogGauges(), BACKLOG_METRICS_EVERY_MS);
			void this.refreshBacklogGauges();
		}
	},

	async stopped() {
		clearInterval(this.gauges);
		await this.relay.stop();
		await this.database.release();
	},
};

export default OutboxRelayService;
