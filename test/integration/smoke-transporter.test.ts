/**
 * Two ServiceBrokers in one test, calling each other over the Redis transporter
 * with the project's broker options (the namespace is this test file's own).
 */
import { ServiceBroker, type Context } from "moleculer";
import { loadConfig } from "../../lib/platform/config/config";
import { brokerOptions } from "../../moleculer.config";

describe("Redis transporter smoke", () => {
	// The transporter warns when its Redis clients disconnect at stop, after the tests are done.
	const options = { ...brokerOptions(loadConfig()), logger: { type: "Console", options: { level: "error" } } };
	const alpha = new ServiceBroker({ ...options, nodeID: `alpha-${process.pid}` });
	const beta = new ServiceBroker({ ...options, nodeID: `beta-${process.pid}` });

	alpha.createService({
		name: "smoke-alpha",
		actions: {
			hello: (ctx: Context<{ from: string }>) => `alpha on ${ctx.broker.nodeID} greets ${ctx.params.from} of ${ctx.nodeID}`,
			askBeta: (ctx: Context) => ctx.call("smoke-beta.hello", { from: "alpha" }),
		},
	});
	beta.createService({
		name: "smoke-beta",
		actions: {
			hello: (ctx: Context<{ from: string }>) => `beta on ${ctx.broker.nodeID} greets ${ctx.params.from} of ${ctx.nodeID}`,
		},
	});

	beforeAll(async () => {
		await Promise.all([alpha.start(), beta.start()]);
		await Promise.all([alpha.waitForServices(["smoke-beta"], 10_000), beta.waitForServices(["smoke-alpha"], 10_000)]);
	});

	afterAll(() => Promise.all([alpha.stop(), beta.stop()]));

	it("calls go both ways between the nodes", async () => {
		expect(await beta.call("smoke-alpha.hello", { from: "beta" })).toBe(`alpha on ${alpha.nodeID} greets beta of ${beta.nodeID}`);
		expect(await alpha.call("smoke-beta.hello", { from: "alpha" })).toBe(`beta on ${beta.nodeID} greets alpha of ${alpha.nodeID}`);
	});

	it("an action reached over the transporter calls back over it", async () => {
		expect(await beta.call("smoke-alpha.askBeta")).toBe(`beta on ${beta.nodeID} greets alpha of ${alpha.nodeID}`);
	});
});
