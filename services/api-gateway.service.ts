/** REST entry point (moleculer-web): only the routes of CONTRACT.md. */
import type { ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { config } from "../lib/config";

const ApiGatewayService: ServiceSchema = {
	name: "api-gateway",
	mixins: [ApiGateway],
	settings: {
		port: config().port,
		ip: "0.0.0.0",
		routes: [
			{
				path: "/api",
				mappingPolicy: "restrict",
				aliases: { "GET /ping": "api-gateway.ping" },
			},
		],
	},
	actions: {
		ping: { handler: () => ({ pong: true }) },
	},
};

export default ApiGatewayService;
