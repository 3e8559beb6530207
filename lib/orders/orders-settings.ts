/** The orders service's settings from the node (wiring/service-settings.ts); `database` is checked by DbMixin. */
import { WAITING_STATES } from "../../domain/stuck-orders";
import { positiveInteger, type SettingsSchema } from "../platform/config/settings-check";

const name = { type: "string", empty: false } as const;
const topicAndGroup = { type: "object", props: { topic: name, group: name } } as const;

export const ordersSettingsSchema: SettingsSchema = {
	orderTopic: name,
	stuck: {
		type: "object",
		props: {
			afterMs: { type: "object", props: Object.fromEntries(WAITING_STATES.map((state) => [state, positiveInteger])) },
			topics: { type: "object", props: { reserve: name, payment: name } },
		},
	},
	// Absent: the console's overview shows no consumer lag.
	console: {
		type: "object",
		optional: true,
		props: {
			kafkaBrokers: { type: "array", items: name, min: 1 },
			kafkaSecurity: { type: "object" },
			clientIdPrefix: name,
			watched: { type: "array", items: topicAndGroup },
		},
	},
};
