/** The rule of a gateway's AuthConfig setting; absent or null: authentication off. */
import type { SettingsSchema } from "../platform/config/settings-check";

export const authRule: SettingsSchema[string] = {
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
};
