/**
 * KafkaListener(mapping): the Moleculer lifecycle of a Kafka listener. The
 * engine that consumes the saga topic of `settings.listener` and turns each
 * message into at most one order state lives in lib/listeners/listener-engine.ts;
 * this mixin creates it with the service's settings, starts it once `state` is
 * available, and stops it with the service.
 */
import type { ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { StatusMapping } from "../domain/saga-message";
import type { ApplyOutcome, ApplyRequest } from "../domain/state-batch";
import { ListenerEngine, type ListenerSettings } from "../lib/listeners/listener-engine";
import { listenerTelemetry } from "../lib/listeners/listener-telemetry";
import { onStopRequested } from "../lib/platform/broker";

export type { ListenerSettings } from "../lib/listeners/listener-engine";

/** Optional in the type so the mixin fits any service schema; `created` refuses to go without it. */
export interface KafkaListenerSettings extends ServiceSettingSchema {
	listener?: ListenerSettings;
}

/** What a listener holds (optional: created() refuses a service without settings). */
interface ListenerVars {
	engine?: ListenerEngine;
	/** Set once started() ran: a node stopped while it still waited for `state` never started it. */
	engineStarted?: boolean;
}

export function KafkaListener(mapping: StatusMapping): Partial<ServiceSchema<KafkaListenerSettings, object, ListenerVars>> {
	return {
		// The database URL and Kafka password stay on this node (other nodes get every service's settings otherwise).
		settings: { $secureSettings: ["listener"] },
		dependencies: ["state"],
		created() {
			const { listener } = this.settings;
			if (!listener) throw new Error(`service ${this.name}: settings.listener (topic, group, ...) is missing`);
			this.engine = new ListenerEngine({
				settings: listener,
				mapping,
				nodeId: this.broker.nodeID,
				logger: this.logger,
				telemetry: listenerTelemetry(this.broker, this.logger, listener.topic),
				applyBatch: (messages) => this.broker.call<{ outcomes: ApplyOutcome[] }, { messages: ApplyRequest[] }>("state.applyBatch", { messages }),
			});
		},
		async started() {
			const { engine } = this;
			if (!engine) return; // created() refused such a service
			this.engineStarted = true;
			// The node may be told to stop before broker.stop() (bin/start.ts on a signal during start-up).
			onStopRequested(this.broker, () => engine.requestStop());
			await engine.start();
		},
		async stopped() {
			if (this.engineStarted) await this.engine?.stop();
		},
	};
}
