/**
 * LOG_FORMAT=json: a node's log lines are JSON objects, and a dead letter's line
 * carries order_id, idempotent_key and the reason as fields of their own.
 */
import { randomUUID } from "node:crypto";
import type { Pool } from "pg";
import { testPool, unknownOrderId } from "../support/orders-fixture";
import { nodeProcesses } from "../../dev/cluster/processes";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { waitFor } from "../support/wait";

const topics = useSagaTopics(1);
const nodes = nodeProcesses({ ...topics.env, ORDER_TOPIC: `${topics.reserve}-order`, NAMESPACE: `${process.env.NAMESPACE}-child` });

describe("structured JSON logs", () => {
	let pool: Pool;
	beforeAll(async () => {
		pool = testPool();
		await topics.setUp();
	});
	afterAll(async () => {
		await nodes.stopAll();
		await topics.tearDown();
		await pool?.end();
	});

	it("writes one JSON object per line, with the message's order_id and idempotent_key on a dead letter", async () => {
		const node = await nodes.start({ name: "json", services: ["reserve-listener", "state"], env: { LOG_FORMAT: "json", LOG_LEVEL: "info" } });
		const orderId = await unknownOrderId(pool);
		const key = randomUUID();
		await topics.send(topics.reserve, sagaMessage(orderId, "CREATED", key), String(orderId));

		const lines = () => node.output().split("\n").filter((line) => line.startsWith("{"));
		const deadLetter = await waitFor(
			() => lines().map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.idempotent_key === key),
			"the dead letter's log line",
		);
		expect(deadLetter).toMatchObject({ level: "warn", order_id: orderId, idempotent_key: key, reason: "unknown_order", topic: topics.reserve });
		expect(typeof deadLetter.time).toBe("string");
		// Every line the node wrote to its log is JSON.
		const logLines = node.output().split("\n").filter((line) => line.trim() !== "");
		for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();
	});
});
