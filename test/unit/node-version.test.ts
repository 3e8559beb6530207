import { nodeVersionProblem, requiredNodeMajor } from "../../lib/platform/startup/node-version";

describe("Node version check", () => {
	it("requires the major package.json pins (engines.node)", () => {
		expect(requiredNodeMajor()).toBe(24);
	});

	it("refuses an older major in one line naming both versions", () => {
		expect(nodeVersionProblem("20.19.5", 24)).toBe("Node 20.19.5 is older than Node 24, which this project needs");
		expect(nodeVersionProblem("23.11.0", 24)).toMatch(/^Node 23\.11\.0 is older/);
	});

	it("accepts the pinned major and newer ones", () => {
		expect(nodeVersionProblem("24.0.0", 24)).toBeNull();
		expect(nodeVersionProblem("25.1.0", 24)).toBeNull();
		expect(nodeVersionProblem(process.versions.node)).toBeNull();
	});
});
