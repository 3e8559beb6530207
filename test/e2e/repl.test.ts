/**
 * The REPL commands against a live cluster: a REPL process (bin/repl.ts) joins a
 * node running all six services, and a script types the commands.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import type { ServiceBroker } from "moleculer";
import { ALL_SERVICES, kafkaBrokers, loadConfig } from "../../lib/platform/config/config";
import { contractTopics, createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { freePort } from "../../dev/cluster/ports";
import { startNode } from "../support/cluster";
import { sagaMessage } from "../support/saga-topics";
import { waitFor } from "../support/wait";

const run = randomUUID().slice(0, 8);
const env = {
	ORDER_TOPIC: `repl-${run}-order`,
	RESERVE_TOPIC: `repl-${run}-reserve`,
	PAYMENT_TOPIC: `repl-${run}-payment`,
	OUT_OF_ORDER_WINDOW_MS: "1000",
	STUCK_AFTER_ORDER_CREATED_MS: "1000",
};

/** A REPL process whose output is collected; `type` sends one line and waits for `expect` to match. */
function openRepl(): { type(line: string, expect: RegExp): Promise<string>; close(): Promise<void> } {
	const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "bin/repl.ts"], {
		cwd: resolve(__dirname, "../.."),
		env: { ...process.env, ...env, LOG_LEVEL: "warn" },
	});
	let output = "";
	child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
	child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
	return {
		async type(line, expect) {
			const from = output.length;
			child.stdin.write(`${line}\n`);
			return waitFor(() => (expect.test(output.slice(from)) ? output.slice(from) : undefined), `"${line}" to print ${expect}`);
		},
		close: () =>
			new Promise((done) => {
				if (child.exitCode !== null) return done();
				child.once("exit", () => done());
				child.stdin.write("quit\n");
				setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
			}),
	};
}

describe("REPL commands on a live cluster", () => {
	let node: ServiceBroker;
	let repl: ReturnType<typeof openRepl>;
	const kafka = createKafka(kafkaBrokers(loadConfig()), `repl-test-${run}`);
	const producer = kafka.producer();

	beforeAll(async () => {
		await ensureTopics(kafka, contractTopics(loadConfig({ ...process.env, ...env })), 3);
		node = await startNode([...ALL_SERVICES], { ...env, PORT: String(await freePort()) });
		await producer.connect();
		repl = openRepl();
		// The REPL node has joined once it sees the orders service.
		await repl.type("services", /orders/);
	});

	afterAll(async () => {
		await repl?.close();
		await producer.disconnect();
		await node?.stop();
	});

	const states = async (order_id: number) =>
		(await node.call<{ order_states: Array<{ state: string }> }, { order_id: number }>("orders.states", { order_id })).order_states.map((s) => s.state);

	it("shows an order's timeline, lists an out_of_order dead letter, re-drives it after the fix (twice: the second changes nothing), shows the audit and the outbox", async () => {
		const order = await node.call<{ order_id: number }, object>("orders.create", { user_id: 7, order_products: [{ product_id: 3, count: 1 }] });
		const id = order.order_id;

		const timeline = await repl.type(`order ${id}`, /ORDER_CREATED/);
		expect(timeline).toContain(`order ${id}`);
		expect(timeline).toContain("3 x1");

		// PAYMENT_CREATED before RESERVE_CREATED, past the 1 s window: dead-lettered as out_of_order.
		await producer.send({ topic: env.PAYMENT_TOPIC, acks: -1, messages: [{ key: String(id), value: sagaMessage(id, "CREATED") }] });
		const listing = await waitFor(async () => {
			const out = await repl.type("dead-letters payment", /dead letter\(s\)/);
			return /out_of_order/.test(out) ? out : undefined;
		}, "the out_of_order dead letter to be listed");
		const [, partition, offset] = /\[(\d+)\/(\d+)\] out_of_order/.exec(listing) ?? [];
		expect(listing).toContain(`"order_id":${id}`);

		// The fix: the reserve arrives. Re-driving the dead letter now applies it.
		await producer.send({ topic: env.RESERVE_TOPIC, acks: -1, messages: [{ key: String(id), value: sagaMessage(id, "CREATED") }] });
		await waitFor(async () => ((await states(id)).includes("RESERVE_CREATED") ? true : undefined), "RESERVE_CREATED");
		expect(await repl.type(`redrive payment ${partition} ${offset}`, /re-driven/)).toMatch(/\(was out_of_order\): applied/);
		expect(await waitFor(async () => ((await states(id)).includes("PAYMENT_CREATED") ? states(id) : undefined), "PAYMENT_CREATED")).toEqual([
			"ORDER_CREATED",
			"RESERVE_CREATED",
			"PAYMENT_CREATED",
		]);

		// A second redrive changes nothing; the audit names the REPL's user and both outcomes.
		expect(await repl.type(`redrive payment ${partition} ${offset}`, /re-driven/)).toMatch(/\(was out_of_order\): duplicate/);
		const audit = await repl.type("redrives", /redrive \d+:[\s\S]*redrive \d+:/);
		expect(audit).toMatch(/repl \S+@\S+/);
		expect(audit.indexOf("duplicate")).toBeLessThan(audit.indexOf(": applied"));
		expect(await states(id)).toEqual(["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED"]);

		expect(await repl.type("outbox", /outbox: \d+ unsent event\(s\), oldest unsent/)).toBeTruthy();
	});

	it("counts and lists stuck orders", async () => {
		const order = await node.call<{ order_id: number }, object>("orders.create", { user_id: 7, order_products: [{ product_id: 3, count: 1 }] });
		// Past its 1 s deadline with no reserve answer. Other tests' orders share the database: it is found by id, unless a full first page of older ones hides it.
		const listing = await waitFor(async () => {
			const out = await repl.type("stuck ORDER_CREATED", /PAYMENT_CREATED: \d+ stuck/);
			return out.includes(`order ${order.order_id}  ORDER_CREATED`) ? out : /oldest first \(the first/.test(out) ? out : undefined;
		}, "the order in the stuck listing");
		expect(listing).toMatch(/ORDER_CREATED: [1-9]\d* stuck, the oldest for /);
		expect(listing).toMatch(/RESERVE_CREATED: \d+ stuck/);
		expect(listing).toMatch(/order \d+ {2}ORDER_CREATED for .* awaiting the reserve answer \(CREATED or FAILED\) on topic repl-/);
	});
});
