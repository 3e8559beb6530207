import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
	{
		// Gateways speak to services through the broker and share contracts through domain/ only.
		files: ["services/api-gateway.service.ts", "services/grpc-gateway.service.ts", "lib/gateways/**/*.ts", "mixins/console-*.ts"],
		rules: {
			"no-restricted-imports": ["error", { patterns: [{ regex: "(^|/)services/|\\.service$", message: "A gateway imports no service file: move the contract to domain/." }] }],
		},
	},
	{
		// The console's script runs in the browser.
		files: ["lib/console/public/**/*.js"],
		languageOptions: { sourceType: "script", globals: { window: "readonly", document: "readonly", sessionStorage: "readonly", location: "readonly" } },
	},
);
