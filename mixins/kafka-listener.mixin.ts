/**
 * KafkaListener(mapping): the Moleculer lifecycle of a Kafka listener. The
 * engine that consumes the saga topic of `settings.listener` and turns each
 * message into at most one order state lives in lib/listeners/listener-engine.ts;
 * this mixin creates and starts it once `state` is available (not earlier: its
 * clients and pool would outlive a node stopped while it waited), and stops it
 * with the service.
 */
import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { StatusMapping } from "../domain/saga-message";
import type { ApplyOutcome, ApplyRequest } from "../domain/state-batch";
import { ListenerEngine, type ListenerSettings } from "../lib/listeners/listener-engine";
import { leaseDatabase, type DatabaseLease } from "../lib/platform/clients/shared-database";
import { listenerTelemetry, type ListenerTelemetry } from "../lib/listeners/listener-telemetry";
import { onStopRequested } from "../lib/platform/node/stop-request";
import { checkSettings } from "../lib/platform/config/settings-check";
import { listenerSettingsSchema } from "../lib/listeners/listener-settings";

export type { ListenerSettings } from "../lib/listeners/listener-engine";

/** Optional in the type so the mixin fits any service schema; `created` refuses to go without it. */
export interface KafkaListenerSettings extends ServiceSettingSchema {
	listener?: ListenerSettings;
}

/** What a listener holds (optional: a node stopped while it waited for `state` never started it). */
interface ListenerVars {
	telemetry?: ListenerTelemetry;
	engine?: ListenerEngine;
	/** The node's database pool, held from start to stop. */
	database?: DatabaseLease;
}

export function KafkaListener(mapping: StatusMapping): Partial<ServiceSchema<KafkaListenerSettings, object, ListenerVars>> {
	return {
		// The database URL and Kafka password stay on this node (other nodes get every service's settings otherwise).
		settings: { $secureSettings: ["listener"] },
		dependencies: ["state"],
		created() {
			checkSettings(this.name, listenerSettingsSchema, this.settings);
			this.telemetry = listenerTelemetry(this.broker, this.logger, (this.settings.listener as ListenerSettings).topic);
		},
		async started() {
			const { listener } = this.settings;
			if (!listener || !this.telemetry) return; // created() refused such a service
			// Kept before connecting: if a connect fails, stopped() still closes what was opened.
			this.database = leaseDatabase(this.broker, listener.databaseUrl, listener.dbPoolMax);
			const engine = new ListenerEngine({
				db: this.database.sequelize,
				settings: listener,
				mapping,
				nodeId: this.broker.nodeID,
				logger: this.logger,
				telemetry: this.telemetry,
				applyBatch: (messages) => this.broker.call<{ outcomes: ApplyOutcome[] }, { messages: ApplyRequest[] }>("state.applyBatch", { messages }),
			});
			this.engine = engine;
			// The node may be told to stop before broker.stop() (its runner, on a signal during start-up).
			onStopRequested(this.broker, () => engine.requestStop());
			await engine.start();
		},
		async stopped() {
			await this.engine?.stop();
			await this.database?.release();
		},
	};
}
