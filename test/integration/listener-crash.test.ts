/**
 * A listener process SIGKILLed after its effect is durable and before its offset
 * is committed: the restarted process gets the message again and the state still
 * exists once. The window is hit with the mixin's test-only hook
 * FAULT_INJECTION=kill-before-commit (timing cannot hit it reliably).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import type { Pool } from "pg";
import { kafkaBrokers, loadConfig } from "../../lib/config";
import { createOrder, historyOf, testPool } from "../support/orders-fixture";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { TEST_DATABASE_URL } from "../support/test-env";
import { waitFor } from "../support/wait";

const topics = useSagaTopics(1);
const root = resolve(__dirname, "..", "..");

function startListener(extraEnv: Record<string, string> = {}): { child: ChildProcess; output: string[]; exited: Promise<NodeJS.Signals | number | null> } {
	const output: string[] = [];
	const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "bin/start.ts"], {
		cwd: root,
		env: {
			...process.env,
			...topics.env,
			ORDER_TOPIC: `${topics.reserve}-order`,
			SERVICES: "reserve-listener,state",
			DATABASE_URL: TEST_DATABASE_URL,
			KAFKA_BROKERS: kafkaBrokers(loadConfig()).join(","),
			NAMESPACE: `${process.env.NAMESPACE}-child`,
			METRICS: "off",
			LOG_LEVEL: "info",
			...extraEnv,
		},
		stdio: ["ignore", "pipe", "pipe"],
	});
	child.stdout?.on("data", (d: Buffer) => output.push(d.toString()));
	child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
	const exited = new Promise<NodeJS.Signals | number | null>((done) => child.once("exit", (code, signal) => done(signal ?? code)));
	return { child, output, exited };
}

/** `promise`'s value, or "timeout" after `ms` (the timer does not outlive the race). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
	let timer: NodeJS.Timeout | undefined;
	try {
		return await Promise.race([promise, new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)))]);
	} finally {
		clearTimeout(timer);
	}
}

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
		await topics.tearDown();
		await pool?.end();
	});

	it("records the state once after a restart", async () => {
		const orderId = await createOrder(pool);
		const doomed = startListener({ FAULT_INJECTION: "kill-before-commit" });
		const sent = await topics.send(topics.reserve, sagaMessage(orderId, "CREATED"), String(orderId));

		const signal = await within(doomed.exited, 45_000);
		if (signal !== "SIGKILL") doomed.child.kill("SIGKILL");
		expect({ signal, output: signal === "SIGKILL" ? "" : doomed.output.join("") }).toEqual({ signal: "SIGKILL", output: "" });
		// The effect is durable, the offset is not committed.
		expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
		expect(await committedOffset(sent.partition)).toBeLessThanOrEqual(Number(sent.offset));

		const restarted = startListener();
		try {
			await waitFor(async () => ((await committedOffset(sent.partition)) > Number(sent.offset) ? true : undefined), "the restarted listener to commit the message", 45_000);
			expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
			const keys = await pool.query("SELECT 1 FROM applied_messages WHERE order_id = $1", [orderId]);
			expect(keys.rowCount).toBe(1);
		} finally {
			restarted.child.kill("SIGTERM");
			// A graceful stop leaves the group; a stuck one fails the test after the kill.
			const stopped = await within(restarted.exited, 20_000);
			if (stopped === "timeout") restarted.child.kill("SIGKILL");
			expect(stopped).toBe(0);
		}
	}, 120_000);
});
