/** The rule of HealthTargets, for a service that takes them as settings (the api-gateway's `settings.health`). */
import type { SettingsSchema } from "../config/settings-check";

export const healthTargetsRule: SettingsSchema[string] = {
	type: "object",
	props: {
		namespace: { type: "string", empty: false },
		databaseUrl: { type: "string", empty: false },
		dbPoolMax: { type: "number", integer: true, positive: true },
		redisUrl: { type: "string", empty: false },
		kafkaBrokers: { type: "array", items: { type: "string", empty: false }, min: 1 },
		kafkaSecurity: { type: "object" },
	},
};
