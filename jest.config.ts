import type { Config } from "jest";

const project = (name: string): NonNullable<Config["projects"]>[number] => ({
	displayName: name,
	preset: "ts-jest",
	testEnvironment: "node",
	testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
	setupFiles: ["<rootDir>/test/support/env.ts"],
	transform: {
		"^.+\\.ts$": ["ts-jest", { diagnostics: false }],
		// jose ships ES modules only: compiled to CommonJS for jest's module system.
		"/node_modules/jose/.+\\.js$": ["ts-jest", { diagnostics: false, tsconfig: { allowJs: true } }],
	},
	transformIgnorePatterns: ["/node_modules/(?!jose/)"],
});

const config: Config = {
	// tooling: the simulator, the chaos run, the benchmark report, the compose file and the Kubernetes manifests.
	projects: [project("unit"), project("tooling"), project("integration"), project("e2e")],
	// Starts (or adopts) the Kafka broker, creates and migrates the test database.
	globalSetup: "<rootDir>/test/support/global-setup.ts",
	globalTeardown: "<rootDir>/test/support/global-teardown.ts",
	testTimeout: 60_000,
	maxWorkers: 2,
};

export default config;
