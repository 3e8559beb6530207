/**
 * Listener scale-out with separate processes: two reserve-listener nodes share
 * the partitions of a 3-partition topic (the group coordinator assigns each
 * some, and the messages of its partitions are applied while the group stays
 * as it is); when one leaves (SIGTERM) or dies (SIGKILL) the other takes every
 * partition over, and every message sent before, during and after ends as
 * exactly one state.
 */
import type { Pool } from "pg";
import { deadLetterTopic } from "../../lib/platform/clients/kafka";
import { describeGroup, groupLag, memberOf, messageCount, type GroupView } from "../support/consumer-group";
import { historiesOf } from "../../dev/cluster/order-histories";
import { createOrder, testPool } from "../support/orders-fixture";
import { nodeProcesses, type NodeProcess } from "../../dev/cluster/processes";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { waitFor } from "../support/wait";

const PARTITIONS = 3;
/** Messages per phase (before, during, after a node leaves). */
const PER_PHASE = 60;
/** A SIGKILLed member is only noticed when its session times out (kafkajs default 30 s). */
const TAKEOVER_GUARD_MS = 90_000;

jest.setTimeout(300_000);

const topics = useSagaTopics(PARTITIONS);
const nodes = nodeProcesses({ ...topics.env, ORDER_TOPIC: `${topics.reserve}-order` });
const group = topics.env.RESERVE_GROUP;

interface Sent {
	orderId: number;
	partition: number;
	expected: "RESERVE_CREATED" | "RESERVE_FAILED";
}

let pool: Pool;
const sent: Sent[] = [];

/** Creates `n` orders and sends one reserve answer for each, keyed by order (so they spread over the partitions). */
async function sendPhase(n: number): Promise<Sent[]> {
	const phase: Sent[] = [];
	for (let i = 0; i < n; i++) {
		const orderId = await createOrder(pool);
		const status = i % 3 === 0 ? "FAILED" : "CREATED";
		const { partition } = await topics.send(topics.reserve, sagaMessage(orderId, status), String(orderId));
		phase.push({ orderId, partition, expected: `RESERVE_${status}` });
	}
	sent.push(...phase);
	return phase;
}

/** Every message sent so far is applied: its order has exactly its one new state from exactly one message. */
async function everySentAppliedOnce(): Promise<void> {
	await waitFor(async () => {
		const histories = await historiesOf(pool, sent.map((s) => s.orderId));
		return sent.every((s) => histories.get(s.orderId)?.current === s.expected) ? true : undefined;
	}, "every sent message to be applied", TAKEOVER_GUARD_MS);
	const histories = await historiesOf(pool, sent.map((s) => s.orderId));
	const wrong = sent.filter((s) => {
		const h = histories.get(s.orderId);
		return h?.states.join() !== ["ORDER_CREATED", s.expected].join() || h.applied !== 1;
	});
	expect(wrong.map((s) => ({ ...s, ...histories.get(s.orderId) }))).toEqual([]);
}

/** The group is stable with exactly these nodes as members, together holding every partition. */
const groupOf = (members: NodeProcess[]) =>
	waitFor(async () => {
		const view = await describeGroup(topics.kafka, group, topics.reserve);
		const held = view.members.flatMap((m) => m.partitions).sort();
		const right = view.state === "Stable" && view.members.length === members.length && members.every((n) => (memberOf(view, n.nodeId)?.partitions.length ?? 0) > 0);
		return right && held.join() === [...Array(PARTITIONS).keys()].join() ? view : undefined;
	}, `group ${group} to be stable with ${members.map((n) => n.nodeId).join(", ")}`, TAKEOVER_GUARD_MS);

/** Shares the partitions: each node holds some and applies the messages sent to them while the group stays as it is. */
async function provesSharing(a: NodeProcess, b: NodeProcess): Promise<void> {
	const before = await groupOf([a, b]);
	const phase = await sendPhase(PER_PHASE);
	await everySentAppliedOnce();
	const after = await describeGroup(topics.kafka, group, topics.reserve);
	// Same member IDs: no rebalance happened, so each partition's messages went to the node holding it.
	expect(after.members.map((m) => m.memberId).sort()).toEqual(before.members.map((m) => m.memberId).sort());
	for (const node of [a, b]) {
		const { partitions } = memberOf(before, node.nodeId)!;
		const received = phase.filter((s) => partitions.includes(s.partition));
		expect({ node: node.nodeId, received: received.length > 0 }).toEqual({ node: node.nodeId, received: true });
		// The node's own log names the partitions the coordinator gave it.
		const joins = node.output().match(/joined group \S+: partitions (\[[\d,]*\])/g) ?? [];
		expect(joins.at(-1)).toContain(`partitions ${JSON.stringify(partitions)}`);
	}
}

/** One node leaves with `signal` while messages flow; the survivor holds every partition and nothing is missed. */
async function leaves(leaving: NodeProcess, survivor: NodeProcess, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
	const during = sendPhase(PER_PHASE);
	const exit = await leaving.stop(signal);
	expect(exit).toEqual(signal === "SIGTERM" ? { code: 0, signal: null } : { code: null, signal: "SIGKILL" });
	await during;
	const view: GroupView = await groupOf([survivor]);
	expect(memberOf(view, survivor.nodeId)?.partitions).toEqual([0, 1, 2]);
	await sendPhase(PER_PHASE);
	await everySentAppliedOnce();
	// Everything consumed and committed; nothing dead-lettered.
	await waitFor(async () => ((await groupLag(topics.kafka, group, topics.reserve)).every((p) => p.committed === p.end) ? true : undefined), "the group to commit every message");
	expect(await messageCount(topics.kafka, deadLetterTopic(topics.reserve))).toBe(0);
}

describe("two reserve-listener processes on one group", () => {
	let first: NodeProcess;
	let second: NodeProcess;

	beforeAll(async () => {
		pool = testPool();
		await topics.setUp();
		const listener = (name: string) => nodes.start({ name, services: ["reserve-listener"] });
		[, first, second] = await Promise.all([nodes.start({ name: "state", services: ["state"] }), listener("reserve-a"), listener("reserve-b")]);
	}, 300_000);

	afterAll(async () => {
		await nodes.stopAll("SIGKILL");
		await topics.tearDown();
		await pool?.end();
	});

	it("share the partitions, and after one leaves with SIGTERM the other takes over with nothing missed", async () => {
		await provesSharing(first, second);
		await leaves(first, second, "SIGTERM");
	});

	it("share them again with a new node, and after one is SIGKILLed the other takes over with nothing missed", async () => {
		const third = await nodes.start({ name: "reserve-c", services: ["reserve-listener"] });
		await provesSharing(second, third);
		await leaves(second, third, "SIGKILL");
	});
});
