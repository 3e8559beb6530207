/** A saga listener's `settings.listener` (ListenerSettings), as the node's wiring fills it (wiring/service-settings.ts). */
import { positiveInteger, type SettingsSchema } from "../platform/config/settings-check";

const name = { type: "string", empty: false } as const;
const consumer = { type: "object", props: { topic: name, group: name } } as const;

export const listenerSettingsSchema: SettingsSchema = {
	listener: {
		type: "object",
		props: {
			topic: name,
			group: name,
			consumers: { type: "object", props: { reserve: consumer, payment: consumer } },
			kafkaBrokers: { type: "array", items: name, min: 1 },
			clientIdPrefix: name,
			outOfOrderWindowMs: positiveInteger,
			databaseUrl: name,
			fromBeginning: { type: "boolean" },
			kafkaSecurity: { type: "object" },
			faultInjection: { type: "enum", values: ["off", "kill-before-commit"] },
		},
	},
};
