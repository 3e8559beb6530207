/** The api-gateway's settings from the node (wiring/service-settings.ts): its port, where health looks, and security. */
import { positiveInteger as positive, type SettingsSchema } from "../platform/config/settings-check";
import { healthTargetsRule } from "../platform/observability/health-settings";
import { authRule } from "./auth-settings";

export const apiGatewaySettingsSchema: SettingsSchema = {
	port: { type: "number", integer: true, min: 0, max: 65535 },
	health: healthTargetsRule,
	security: {
		type: "object",
		optional: true,
		props: {
			auth: authRule,
			// Absent or null: no limit on creates.
			createRateLimit: { type: "object", optional: true, nullable: true, props: { limit: positive, windowMs: positive } },
			redisUrl: { type: "string", optional: true },
			namespace: { type: "string", optional: true },
		},
	},
};
