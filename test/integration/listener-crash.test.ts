/**
 * A listener process SIGKILLed after its effect is durable and before its offset
 * is committed: the restarted process gets the message again and the state still
 * exists once. The window is hit with the mixin's test-only hook
 * FAULT_INJECTION=kill-before-commit (timing cannot hit it reliably).
 */
import type { Pool } from "pg";
import { createOrder, historyOf, testPool } from "../support/orders-fixture";
import { nodeProcesses, within } from "../../dev/cluster/processes";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { waitFor } from "../support/wait";

const topics = useSagaTopics(1);
const nodes = nodeProcesses({ ...topics.env, ORDER_TOPIC: `${topics.reserve}-order`, NAMESPACE: `${process.env.NAMESPACE}-child` });
const startListener = (env: Record<string, string> = {}) => nodes.spawn({ name: "listener", services: ["reserve-listener", "state"], env });

async function committedOffset(partition: number): Promise<number> {
	const admin = topics.kafka.admin();
	await admin.connect();
	try {
		const [entry] = await admin.fetchOffsets({ groupId: topics.env.RESERVE_GROUP, topics: [topics.reserve] });
		return Number(entry.partitions.find((p) => p.partition === partition)?.offset ?? -1);
	} finally {
		await admin.disconnect();
	}
}

describe("a listener killed between its effect and its commit", () => {
	let pool: Pool;
	beforeAll(async () => {
		pool = testPool();
		await topics.setUp();
	});
	afterAll(async () => {
		await nodes.stopAll("SIGKILL");
		await topics.tearDown();
		await pool?.end();
	});

	it("records the state once after a restart", async () => {
		const orderId = await createOrder(pool);
		const doomed = await startListener({ FAULT_INJECTION: "kill-before-commit" });
		const sent = await topics.send(topics.reserve, sagaMessage(orderId, "CREATED"), String(orderId));

		const exit = await within(doomed.exited, 45_000, null);
		const signal = exit ? exit.signal ?? exit.code : "timeout";
		if (signal !== "SIGKILL") doomed.child.kill("SIGKILL");
		expect({ signal, output: signal === "SIGKILL" ? "" : doomed.output() }).toEqual({ signal: "SIGKILL", output: "" });
		// The effect is durable, the offset is not committed.
		expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
		expect(await committedOffset(sent.partition)).toBeLessThanOrEqual(Number(sent.offset));

		const restarted = await startListener();
		try {
			await waitFor(async () => ((await committedOffset(sent.partition)) > Number(sent.offset) ? true : undefined), "the restarted listener to commit the message", 45_000);
			expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
			const keys = await pool.query("SELECT 1 FROM applied_messages WHERE order_id = $1", [orderId]);
			expect(keys.rowCount).toBe(1);
		} finally {
			// A graceful stop leaves the group; a stuck one is killed and fails the test.
			expect(await restarted.stop("SIGTERM")).toEqual({ code: 0, signal: null });
		}
	}, 120_000);
});
