/**
 * A service checks the settings slice the node gives it against the schema it
 * declares (fastest-validator, the rules Moleculer's own validator uses), so a
 * wrong wiring stops the node at once with one line that names the service and
 * each bad setting. Values are never echoed: settings hold URLs with credentials.
 */
import Validator, { type ValidationSchema, type SyncCheckFunction } from "fastest-validator";

export type SettingsSchema = ValidationSchema;

/** Counts, sizes and durations in ms. */
export const positiveInteger = { type: "number", integer: true, positive: true } as const;

const validator = new Validator({
	messages: {
		// The stock messages of these two quote the value.
		arrayUnique: "The '{field}' field must hold unique values.",
		arrayEnum: "The '{field}' field must hold only the values '{expected}'.",
	},
});
const compiled = new WeakMap<SettingsSchema, SyncCheckFunction>();

export class SettingsError extends Error {
	override name = "SettingsError";
}

/** Throws a SettingsError when `settings` breaks `schema`; keys the schema does not name pass (Moleculer's own, a mixin's). */
export function checkSettings(service: string, schema: SettingsSchema, settings: object): void {
	let check = compiled.get(schema);
	if (!check) {
		check = validator.compile(schema) as SyncCheckFunction;
		compiled.set(schema, check);
	}
	const result = check(settings);
	if (result === true) return;
	throw new SettingsError(`service ${service}: ${result.map((problem) => (problem.message ?? problem.type).replace(/^The '([^']+)' field/, "settings.$1").replace(/\.$/, "")).join("; ")}`);
}
