/** A listener node stopped while it still waits for the `state` service stops cleanly. */
import { createNode } from "../../wiring/create-node";
import { loadConfig } from "../../lib/platform/config/config";
import { useSagaTopics } from "../support/saga-topics";

const topics = useSagaTopics();

describe("listener stopped before it started", () => {
	beforeAll(() => topics.setUp());
	afterAll(() => topics.tearDown());

	it("stops without an error while waiting for its dependency", async () => {
		// Moleculer's wait for a dependency outlives a stop: bounded here so it ends within the test.
		const node = createNode(loadConfig(), ["reserve-listener"], { dependencyTimeout: 3_000, logger: false });
		const errors: unknown[] = [];
		node.localBus.on("$broker.error", (payload: unknown) => errors.push(payload));
		// Told when the listener starts waiting for `state` (no node runs it): the moment this test is about.
		const waitForServices = node.waitForServices.bind(node);
		const waiting = new Promise<string[]>((resolve) => {
			jest.spyOn(node, "waitForServices").mockImplementation((names, ...rest) => {
				resolve([names].flat().map(String));
				return waitForServices(names, ...rest);
			});
		});
		const starting = node.start().then(
			() => "started",
			() => "start abandoned",
		);
		expect(await waiting).toEqual(["state"]);
		await node.stop();
		expect(errors).toEqual([]);
		// Its start never completed: the listener never joined a group.
		expect(await starting).toBe("start abandoned");
	});
});
