/**
 * The platform (lib/platform) knows no capability: the node's wiring at the top
 * (moleculer.config.ts, wiring/) maps configuration onto services and assembles
 * the REPL commands. And no import circle exists.
 */
import { importCircles, importGraph } from "../support/import-graph";

const CAPABILITIES = ["orders", "state", "outbox", "listeners", "dead-letters", "console", "gateways", "import-go"];
const OUTSIDE_PLATFORM = [/^services\//, /^mixins\//, /^wiring\//, /^bin\//, /^dev\//, /^moleculer\.config\.ts$/, ...CAPABILITIES.map((c) => new RegExp(`^lib/${c}/`))];

/** Type-only circles that predate the wiring's move; they go when those types move to domain/. */
const KNOWN_TYPE_CIRCLES = [
	["lib/listeners/dead-letter.ts", "lib/dead-letters/dead-letter-store.ts"],
	["services/orders.service.ts", "mixins/console-reads.mixin.ts"],
];
const key = (circle: string[]): string => [...new Set(circle)].sort().join(" ");

describe("import boundaries", () => {
	const graph = importGraph();

	it("reads the project's files", () => {
		expect(graph.get("moleculer.config.ts")).toContain("wiring/service-settings.ts");
	});

	it("keeps lib/platform free of services, mixins, the wiring and every capability", () => {
		const crossings = [...graph]
			.filter(([file]) => file.startsWith("lib/platform/"))
			.flatMap(([file, targets]) => targets.filter((target) => OUTSIDE_PLATFORM.some((outside) => outside.test(target))).map((target) => `${file} -> ${target}`));
		expect(crossings).toEqual([]);
	});

	it("has no import circle at run time", () => {
		expect(importCircles(importGraph({ runtimeOnly: true }))).toEqual([]);
	});

	it("has no import circle through type imports beyond the known ones", () => {
		const known = new Set(KNOWN_TYPE_CIRCLES.map(key));
		expect(importCircles(graph).filter((circle) => !known.has(key(circle)))).toEqual([]);
	});
});
