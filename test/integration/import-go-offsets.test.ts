/**
 * `--kafka-group`: the Go consumers' one group's committed offsets on the two
 * consumed topics are copied to this service's two groups (real Kafka, private
 * topics and groups), a dry run only tells, a second run changes nothing, and a
 * target group with an active member is refused with one clear line.
 */
import { randomUUID } from "node:crypto";
import type { Consumer } from "kafkajs";
import { dropDatabase, goDatabase, migratedDatabase } from "../support/go-database";
import { runImportGo } from "../support/import-go-cli";
import { useSagaTopics } from "../support/saga-topics";

jest.setTimeout(180_000);

const saga = useSagaTopics(2);
const goGroup = `${randomUUID().slice(0, 8)}-orders`;
const dropped: string[] = [];
let from: string;
let to: string;
let consumer: Consumer | undefined;

/** Commits offsets for the Go group, as its consumers would have. */
async function commitGoOffsets(offsets: Record<string, [string, string]>): Promise<void> {
	const admin = saga.kafka.admin();
	await admin.connect();
	try {
		for (const [topic, [p0, p1]] of Object.entries(offsets)) {
			await admin.setOffsets({ groupId: goGroup, topic, partitions: [{ partition: 0, offset: p0 }, { partition: 1, offset: p1 }] });
		}
	} finally {
		await admin.disconnect();
	}
}

async function committed(group: string, topic: string): Promise<string[]> {
	const admin = saga.kafka.admin();
	await admin.connect();
	try {
		const [found] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
		return found.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
	} finally {
		await admin.disconnect();
	}
}

const importWithOffsets = (...args: string[]) => runImportGo(["--from", from, "--to", to, "--kafka-group", goGroup, ...args], saga.env);

beforeAll(async () => {
	await saga.setUp();
	for (let i = 0; i < 6; i++) {
		await saga.send(saga.reserve, `r${i}`, `k${i}`);
		await saga.send(saga.payment, `p${i}`, `k${i}`);
	}
	const go = await goDatabase(10);
	const target = await migratedDatabase("import_go_kafka");
	dropped.push(go.name, target.name);
	from = go.url;
	to = target.url;
	await commitGoOffsets({ [saga.reserve]: ["2", "3"], [saga.payment]: ["1", "4"] });
});

afterAll(async () => {
	await consumer?.disconnect();
	await saga.tearDown();
	for (const name of dropped) await dropDatabase(name);
});

it("--dry-run tells what it would copy and leaves the groups alone", async () => {
	const run = await importWithOffsets("--dry-run");
	expect(run.code).toBe(0);
	expect(run.stdout).toContain(`offsets of "${goGroup}" on "${saga.reserve}" would be copied to "${saga.env.RESERVE_GROUP}": p0 -1 -> 2, p1 -1 -> 3`);
	expect(await committed(saga.env.RESERVE_GROUP, saga.reserve)).toEqual(["-1", "-1"]);
});

it("copies the Go group's offsets to the reserve and payment groups; a second run changes nothing", async () => {
	const run = await importWithOffsets();
	expect(run.code).toBe(0);
	expect(await committed(saga.env.RESERVE_GROUP, saga.reserve)).toEqual(["2", "3"]);
	expect(await committed(saga.env.PAYMENT_GROUP, saga.payment)).toEqual(["1", "4"]);

	const again = await importWithOffsets();
	expect(again.code).toBe(0);
	expect(again.stdout).toContain(`copied to "${saga.env.PAYMENT_GROUP}": already the same`);
	expect(again.stdout).toContain("nothing to change");
});

it("refuses to move a group that has an active member, in one line", async () => {
	await commitGoOffsets({ [saga.reserve]: ["5", "5"], [saga.payment]: ["1", "4"] });
	consumer = saga.kafka.consumer({ groupId: saga.env.RESERVE_GROUP });
	await consumer.connect();
	const joined = new Promise<void>((resolve) => consumer?.on(consumer.events.GROUP_JOIN, () => resolve()));
	await consumer.subscribe({ topic: saga.reserve });
	await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
	await joined;
	const run = await importWithOffsets();
	expect({ code: run.code, lines: run.stderr.trimEnd().split("\n") }).toEqual({
		code: 1,
		lines: [`import-go: consumer group "${saga.env.RESERVE_GROUP}" has 1 active member(s): stop this service's listeners before copying offsets to it`],
	});
});
