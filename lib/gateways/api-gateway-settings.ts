/** The api-gateway's settings from the node (wiring/service-settings.ts): its port, where health looks, and security. */
import { positiveInteger as positive, type SettingsSchema } from "../platform/config/settings-check";
import { healthTargetsRule } from "../platform/observability/health-settings";

export const apiGatewaySettingsSchema: SettingsSchema = {
	port: { type: "number", integer: true, min: 0, max: 65535 },
	health: healthTargetsRule,
	security: {
		type: "object",
		optional: true,
		props: {
			// Absent or null: authentication off.
			auth: {
				type: "object",
				optional: true,
				nullable: true,
				props: {
					secret: { type: "string", optional: true },
					jwksUrl: { type: "string", optional: true },
					issuer: { type: "string", optional: true },
					audience: { type: "string", optional: true },
					userClaim: { type: "string", empty: false },
				},
			},
			// Absent or null: no limit on creates.
			createRateLimit: { type: "object", optional: true, nullable: true, props: { limit: positive, windowMs: positive } },
			redisUrl: { type: "string", optional: true },
			namespace: { type: "string", optional: true },
		},
	},
};
