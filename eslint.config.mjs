import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** The capability folders of lib/ (docs/architecture.md); test/unit/import-boundaries.test.ts holds the same list and rule. */
const CAPABILITIES = ["orders", "state", "outbox", "listeners", "dead-letters", "console", "gateways", "import-go"];

const GATEWAY_IMPORTS = { regex: "(^|/)services/|\\.service$", message: "A gateway imports no service file: move the contract to domain/." };

/** A capability reaches another only through its public entry, lib/<other>/index.ts (imported as "../<other>"). */
const capabilityBoundary = (capability) => ({
	files: [`lib/${capability}/**/*.ts`],
	rules: {
		"no-restricted-imports": ["error", {
			patterns: [
				{
					regex: `^(\\.\\./)+(${CAPABILITIES.filter((other) => other !== capability).join("|")})/(?!index$)`,
					message: `lib/${capability} imports another capability only through its public entry ("../<capability>", its index.ts); move what it needs there, or a contract to domain/.`,
				},
				...(capability === "gateways" ? [GATEWAY_IMPORTS] : []),
			],
		}],
	},
});

export default tseslint.config(
	{ ignores: ["node_modules/", "dist/", "coverage/", ".kafka/"] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		rules: {
			"@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
		},
	},
	{
		// The platform knows no capability (docs/architecture.md; test/unit/import-boundaries.test.ts checks the same and circles).
		files: ["lib/platform/**/*.ts"],
		rules: {
			"no-restricted-imports": ["error", {
				patterns: [
					{ regex: "^(\\.\\./){3,}(services|mixins|wiring|bin|dev|bench|moleculer\\.config)(/|$)", message: "lib/platform imports no service, mixin or wiring: the top (wiring/, moleculer.config.ts) imports the platform." },
					{ regex: "^\\.\\./\\.\\./(orders|state|outbox|listeners|dead-letters|console|gateways|import-go)/", message: "lib/platform imports no capability folder." },
				],
			}],
		},
	},
	// No capability imports another's internals (lib/gateways also keeps off service files, below).
	...CAPABILITIES.map(capabilityBoundary),
	{
		// Gateways speak to services through the broker and share contracts through domain/ only.
		files: ["services/api-gateway.service.ts", "services/grpc-gateway.service.ts", "mixins/console-*.ts"],
		rules: {
			"no-restricted-imports": ["error", { patterns: [GATEWAY_IMPORTS] }],
		},
	},
	{
		// The console's script runs in the browser.
		files: ["lib/console/public/**/*.js"],
		languageOptions: { sourceType: "script", globals: { window: "readonly", document: "readonly", sessionStorage: "readonly", location: "readonly" } },
	},
);
