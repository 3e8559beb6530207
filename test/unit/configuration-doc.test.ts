/**
 * docs/configuration.md is what `npm run docs:config` writes from the settings'
 * declarations, and every environment variable the code reads is declared.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { configurationDoc } from "../../lib/platform/config/configuration-doc";
import { SETTINGS } from "../../lib/platform/config/settings";

const ROOT = join(__dirname, "..", "..");
const SCANNED = ["lib", "services", "mixins", "wiring", "bin"];

/** Variables the code reads that are no setting of the service, each with why. */
const NOT_SETTINGS: Record<string, string> = {
	KAFKAJS_NO_PARTITIONER_WARNING: "bin/chaos.ts sets it for kafkajs to silence a warning; nobody configures it",
};

/** `process.env.X`, `env.X` and `env["X"]`: the names of the variables a source reads. */
function variablesIn(source: string): string[] {
	const found = source.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[\s*["'`]([A-Z][A-Z0-9_]*)["'`]\s*\])/g);
	return [...found].map((match) => match[1] ?? match[2]);
}

function sourceFiles(): string[] {
	const files = SCANNED.flatMap((dir) =>
		(readdirSync(join(ROOT, dir), { recursive: true }) as string[]).filter((file) => /\.(ts|js)$/.test(file)).map((file) => join(dir, file)),
	);
	return [...files, "moleculer.config.ts"];
}

describe("docs/configuration.md", () => {
	it("is what npm run docs:config writes (run it after changing a setting)", () => {
		expect(readFileSync(join(ROOT, "docs", "configuration.md"), "utf8")).toBe(configurationDoc());
	});

	it("has a row for every declared setting", () => {
		const doc = configurationDoc();
		const missing = Object.keys(SETTINGS).filter((name) => !doc.includes(`| \`${name}\` |`));
		expect(missing).toEqual([]);
	});
});

describe("environment variables", () => {
	const read = new Map(sourceFiles().flatMap((file) => variablesIn(readFileSync(join(ROOT, file), "utf8")).map((name) => [name, file] as const)));

	it("are found in every form the code reads them", () => {
		expect(variablesIn(`process.env.A_B ??= "1"; env.C; env["D_E"]; env['F']; x.envG`)).toEqual(["A_B", "C", "D_E", "F"]);
		expect(read.get("KAFKAJS_NO_PARTITIONER_WARNING")).toBe("bin/chaos.ts");
	});

	it("read anywhere in the code are declared settings", () => {
		const undeclared = [...read].filter(([name]) => !(name in SETTINGS) && !(name in NOT_SETTINGS)).map(([name, file]) => `${name} (${file})`);
		expect(undeclared).toEqual([]);
	});

	it("excluded as no setting are still read (else the exclusion goes)", () => {
		expect(Object.keys(NOT_SETTINGS).filter((name) => !read.has(name))).toEqual([]);
	});
});
