/**
 * A relay process killed with SIGKILL in the middle of a large backlog: after a
 * restart every event is on Kafka at least once and every row is marked sent.
 */
import { randomUUID } from "node:crypto";
import { createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { nodeProcesses, type NodeProcesses } from "../../dev/cluster/processes";
import { allArrived, eventually, insertEvents, orderEvents, privateDatabase, readTopic, unsentCount, type PrivateDatabase, SHARED_KAFKA } from "./outbox-helpers";

jest.setTimeout(240_000);

const topic = `t-${randomUUID()}-order`;
const kafka = createKafka(SHARED_KAFKA.split(","));
let db: PrivateDatabase;
let processes: NodeProcesses;

const relay = { name: "outbox-relay", services: ["outbox-relay" as const] };

async function sentCount(): Promise<number> {
	const { rows } = await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM outbox o WHERE topic = $1 AND outbox_sent_at(o) IS NOT NULL", [topic]);
	return Number(rows[0].n);
}

beforeAll(async () => {
	db = await privateDatabase();
	await ensureTopics(kafka, [topic], 3);
	processes = nodeProcesses({
		DATABASE_URL: db.url,
		ORDER_TOPIC: topic,
		// Large batches: a send takes long enough for the kill to land inside one.
		OUTBOX_BATCH_SIZE: "2000",
	});
});

afterAll(async () => {
	await processes?.stopAll("SIGKILL");
	await db?.drop();
});

test("after a SIGKILL mid-batch and a restart, every event is on Kafka at least once", async () => {
	const first = await processes.start(relay);
	const events = orderEvents(20_000);
	await insertEvents(db.pool, topic, events);

	// Some batches are acknowledged and marked sent: the relay is in the middle of the backlog.
	expect(await eventually(async () => (await sentCount()) > 0, 60_000, 5)).toBe(true);
	await first.stop("SIGKILL");
	const sentAtKill = await sentCount();
	expect(sentAtKill).toBeLessThan(events.length);

	const second = await processes.start(relay);
	const received = await readTopic(kafka, topic, allArrived(events), 90_000);
	expect(allArrived(events)(received)).toBe(true);
	expect(await unsentCount(db.pool, topic)).toBe(0);

	// Graceful stop: the in-flight batch finishes, the process exits cleanly.
	expect(await second.stop("SIGTERM")).toEqual({ code: 0, signal: null });
});
