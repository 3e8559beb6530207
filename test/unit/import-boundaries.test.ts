/**
 * The platform (lib/platform) knows no capability: the node's wiring at the top
 * (moleculer.config.ts, wiring/) maps configuration onto services and assembles
 * the REPL commands. A capability reaches another only through its public entry
 * (lib/<capability>/index.ts; eslint's no-restricted-imports says the same), and
 * a service or mixin only into the capabilities it runs. And no import circle exists.
 */
import { importCircles, importGraph } from "../support/import-graph";

const CAPABILITIES = ["orders", "state", "outbox", "listeners", "dead-letters", "console", "gateways", "import-go"];
const OUTSIDE_PLATFORM = [/^services\//, /^mixins\//, /^wiring\//, /^bin\//, /^dev\//, /^moleculer\.config\.ts$/, ...CAPABILITIES.map((c) => new RegExp(`^lib/${c}/`))];

/** The capabilities whose files a service or mixin may import directly (docs/architecture.md, "Layout by concern"); any other only through its index.ts. */
const RUNS: Record<string, string[]> = {
	"services/orders.service.ts": ["orders"],
	"services/state.service.ts": ["state", "dead-letters"],
	"services/outbox-relay.service.ts": ["outbox"],
	"services/api-gateway.service.ts": ["gateways"],
	"services/grpc-gateway.service.ts": ["gateways"],
	"mixins/kafka-listener.mixin.ts": ["listeners"],
	"mixins/console-reads.mixin.ts": ["console"],
	"mixins/console-pages.mixin.ts": ["console"],
};

/** The capability a project file belongs to, if any. */
const capabilityOf = (file: string): string | undefined => CAPABILITIES.find((c) => file.startsWith(`lib/${c}/`));

/** The imports of `file` into a capability's internals that `owns` does not allow (its public entry is always allowed). */
function internalsReached(graph: Map<string, string[]>, file: string, owns: (capability: string) => boolean): string[] {
	return (graph.get(file) ?? [])
		.filter((target) => {
			const capability = capabilityOf(target);
			return capability !== undefined && !owns(capability) && target !== `lib/${capability}/index.ts`;
		})
		.map((target) => `${file} -> ${target}`);
}

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

	it("lets no capability import another's internals, only its index.ts", () => {
		const crossings = [...graph.keys()].filter(capabilityOf).flatMap((file) => internalsReached(graph, file, (capability) => capability === capabilityOf(file)));
		expect(crossings).toEqual([]);
	});

	it("holds the rule against a capability reaching into another (the check above can fail)", () => {
		const reaching = new Map([["lib/dead-letters/redrive.ts", ["lib/state/state-store.ts", "lib/state/index.ts", "lib/dead-letters/dead-letter-store.ts"]]]);
		expect(internalsReached(reaching, "lib/dead-letters/redrive.ts", (capability) => capability === "dead-letters")).toEqual(["lib/dead-letters/redrive.ts -> lib/state/state-store.ts"]);
	});

	it("lets a service or mixin import the files of the capabilities it runs, any other only through its index.ts", () => {
		const crossings = [...graph.keys()]
			.filter((file) => file.startsWith("services/") || file.startsWith("mixins/"))
			.flatMap((file) => internalsReached(graph, file, (capability) => (RUNS[file] ?? []).includes(capability)));
		expect(crossings).toEqual([]);
	});

	it("has no import circle at run time", () => {
		expect(importCircles(importGraph({ runtimeOnly: true }))).toEqual([]);
	});

	it("has no import circle through type imports either", () => {
		expect(importCircles(graph)).toEqual([]);
	});
});
