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
		// The console's script runs in the browser.
		files: ["lib/console/public/**/*.js"],
		languageOptions: { sourceType: "script", globals: { window: "readonly", document: "readonly", sessionStorage: "readonly", location: "readonly" } },
	},
);
