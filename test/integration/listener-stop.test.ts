/** A listener node stopped while it still waits for the `state` service stops cleanly. */
import { createNode } from "../../lib/platform/broker";
import { loadConfig } from "../../lib/platform/config";
import { useSagaTopics } from "../support/saga-topics";

const topics = useSagaTopics();

describe("listener stopped before it started", () => {
	beforeAll(() => topics.setUp());
	afterAll(() => topics.tearDown());

	it("stops without an error while waiting for its dependency", async () => {
		const node = createNode(loadConfig(), ["reserve-listener"]);
		const errors: unknown[] = [];
		node.localBus.on("$broker.error", (payload: unknown) => errors.push(payload));
		const starting = node.start().catch(() => undefined); // never resolves: no node runs `state`
		await new Promise((r) => setTimeout(r, 1_000));
		await node.stop();
		void starting;
		expect(errors).toEqual([]);
	});
});
