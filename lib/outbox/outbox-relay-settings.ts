/** The outbox-relay service's `settings.relay`, as the node's wiring fills it (wiring/service-settings.ts). */
import { positiveInteger as positive, type SettingsSchema } from "../platform/config/settings-check";

export const outboxRelaySettingsSchema: SettingsSchema = {
	relay: {
		type: "object",
		props: {
			databaseUrl: { type: "string", empty: false },
			kafkaBrokers: { type: "array", items: { type: "string", empty: false }, min: 1 },
			kafkaSecurity: { type: "object" },
			orderTopic: { type: "string", empty: false },
			batchSize: positive,
			pollMs: positive,
			maxBackoffMs: positive,
			retentionMs: positive,
			cleanupMs: positive,
		},
	},
};
