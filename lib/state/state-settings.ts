/** The state service's settings from the node (wiring/service-settings.ts); `database` is checked by DbMixin. */
import { positiveInteger, type SettingsSchema } from "../platform/config/settings-check";

const name = { type: "string", empty: false } as const;

export const stateSettingsSchema: SettingsSchema = {
	appliedKeyRetentionMs: positiveInteger,
	sagaTopics: { type: "object", props: { reserve: name, payment: name } },
};
