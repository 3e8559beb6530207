/** The grpc-gateway's settings from the node (wiring/service-settings.ts). */
import { positiveInteger, type SettingsSchema } from "../../platform/config/settings-check";
import { authRule } from "../auth-settings";

export const grpcGatewaySettingsSchema: SettingsSchema = {
	host: { type: "string", empty: false },
	// 0 picks a free port (the tests).
	port: { type: "number", integer: true, min: 0, max: 65535 },
	maxOrders: positiveInteger,
	databaseUrl: { type: "string", empty: false },
	auth: authRule,
};
