/**
 * Ctrl-C while the listeners are still joining their consumer groups: the
 * all-in-one node stops cleanly, started by `npm start` or by the production
 * runner (bin/runner.ts, here from the sources as `npm run dev` runs it): one
 * runner owns the signals of both (lib/platform/node/node-runner.ts). Nothing crashes, nothing reports it runs or
 * listens after the signal, every service that said it started says it stopped
 * after that, the node exits 0 and no consumer of it is left in a group.
 *
 * The join is held open, not raced: a consumer of the test already sits in the
 * payment group and answers a rebalance only at its next heartbeat, seconds
 * later, so the node's listener is still joining when the signal comes.
 */
import { resolve } from "node:path";
import type { Consumer } from "kafkajs";
import { ALL_SERVICES } from "../../lib/platform/config/config";
import { describeGroup, memberOf } from "../support/consumer-group";
import { nodeProcesses } from "../../dev/cluster/processes";
import { useSagaTopics } from "../support/saga-topics";
import { waitFor } from "../support/wait";
import { useOwnOrderTopic } from "./rest-support";

const topics = useSagaTopics(1);
const nodes = nodeProcesses();
/** Rejoins a rebalance only at its next heartbeat: the node's join waits for it. */
const SLOW_HEARTBEAT_MS = 10_000;
let slowMember: Consumer;

beforeAll(async () => {
	await topics.setUp();
	await useOwnOrderTopic();
	slowMember = topics.kafka.consumer({ groupId: topics.env.PAYMENT_GROUP, heartbeatInterval: SLOW_HEARTBEAT_MS, sessionTimeout: 45_000, rebalanceTimeout: 60_000 });
	await slowMember.connect();
	await slowMember.subscribe({ topic: topics.payment, fromBeginning: true });
	await slowMember.run({ eachMessage: async () => undefined });
});
afterAll(async () => {
	await nodes.stopAll("SIGKILL");
	await slowMember?.disconnect();
	await topics.tearDown();
});

/** Where `pattern` first matches in `text`, or -1. */
const at = (text: string, pattern: RegExp): number => text.search(pattern);

/** The production runner from the TypeScript sources: `npm run dev` without --hot. */
const RUNNER_ENTRY = { cwd: resolve(__dirname, "..", ".."), args: ["-r", "ts-node/register/transpile-only", "bin/runner.ts"] };

it.each([
	["npm start", undefined],
	["the production runner", RUNNER_ENTRY],
])("%s: a SIGINT while the listeners join their groups stops the node cleanly", async (_, entry) => {
	const node = await nodes.spawn({ name: "early-stop", services: [...ALL_SERVICES], env: { PROBES: "off" }, entry });
	await waitFor(() => (node.output().includes(`joining group ${topics.env.PAYMENT_GROUP}`) ? true : undefined), "the payment listener to begin joining its group", 120_000);
	node.child.kill("SIGINT");
	expect(await node.exited).toEqual({ code: 0, signal: null });

	const output = node.output();
	const signalled = at(output, /SIGINT during start-up/);
	expect(signalled).toBeGreaterThanOrEqual(0);
	const after = output.slice(signalled);
	expect(after).toMatch(/PAYMENT-LISTENER: stop requested during start-up/); // the signal came during its join
	expect(after).not.toMatch(/consumer crashed|Unable to (start|stop)|node \S+ runs:|listening to /);
	expect(after).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m); // no stack trace
	for (const service of ["reserve-listener", "payment-listener"]) {
		const started = at(after, new RegExp(`Service '${service}' started`));
		if (started >= 0) expect(at(after, new RegExp(`Service '${service}' stopped`))).toBeGreaterThan(started);
	}
	for (const [group, topic] of [
		[topics.env.RESERVE_GROUP, topics.reserve],
		[topics.env.PAYMENT_GROUP, topics.payment],
	]) {
		expect(memberOf(await describeGroup(topics.kafka, group, topic), node.nodeId)).toBeUndefined();
	}
});
