/**
 * CONSUMER_START=latest: a consumer group new to a topic skips the topic's
 * history (an earlier system consumed it; its orders are unknown here) instead
 * of dead-lettering all of it, and consumes what comes after it joined.
 */
import { randomInt } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import { deadLetterTopic } from "../../lib/platform/clients/kafka";
import { startNode } from "../support/cluster";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { readTopics } from "../../dev/cluster/topic-reader";
import { waitFor } from "../support/wait";

const topics = useSagaTopics(1);
/** Order ids no database of a test has (so each message is an `unknown_order` dead letter). */
const unknownOrder = () => randomInt(2 ** 40, 2 ** 47);

describe("a new consumer group with CONSUMER_START=latest", () => {
	let node: ServiceBroker;
	let letters: Awaited<ReturnType<typeof readTopics>>;

	beforeAll(async () => {
		await topics.setUp();
		letters = await readTopics(topics.kafka, [deadLetterTopic(topics.reserve)]);
	});

	afterAll(async () => {
		await node?.stop();
		await letters?.stop();
		await topics.tearDown();
	});

	it("leaves the history alone and dead-letters only what arrives after it joined", async () => {
		const history = unknownOrder();
		await topics.send(topics.reserve, sagaMessage(history, "CREATED"), String(history));
		node = await startNode(["state", "reserve-listener"], { ...topics.env, CONSUMER_START: "latest" });

		// Probes until one comes through: the group's start offset is fixed when its first fetch begins.
		const probes = new Set<string>();
		await waitFor(async () => {
			const probe = unknownOrder();
			probes.add(String(probe));
			await topics.send(topics.reserve, sagaMessage(probe, "CREATED"), String(probe));
			return letters.messages.length > 0 ? true : undefined;
		}, "a dead letter of a probe");
		expect(letters.messages.map((m) => m.key).every((key) => key !== null && probes.has(key))).toBe(true);
	});
});
