/**
 * A relay process killed with SIGKILL in the middle of a large backlog: after a
 * restart every event is on Kafka at least once and every row is marked sent.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { createKafka, ensureTopics } from "../../lib/kafka";
import { allArrived, eventually, insertEvents, orderEvents, privateDatabase, readTopic, unsentCount, type PrivateDatabase } from "./outbox-helpers";

jest.setTimeout(180_000);

const root = resolve(__dirname, "..", "..");
const topic = `t-${randomUUID()}-order`;
const kafka = createKafka(["127.0.0.1:9092"]);
let db: PrivateDatabase;
const children: ChildProcess[] = [];

/** `npm start` with only the relay; resolves once the node says it runs. */
function startRelayProcess(): Promise<ChildProcess> {
	const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "bin/start.ts"], {
		cwd: root,
		env: {
			...process.env,
			SERVICES: "outbox-relay",
			DATABASE_URL: db.url,
			KAFKA_BROKERS: "127.0.0.1:9092",
			ORDER_TOPIC: topic,
			NAMESPACE: `outbox-crash-${randomUUID().slice(0, 8)}`,
			// Large batches: a send takes long enough for the kill to land inside one.
			OUTBOX_BATCH_SIZE: "2000",
			LOG_LEVEL: "info",
			METRICS: "off",
		},
		stdio: ["ignore", "pipe", "pipe"],
	});
	children.push(child);
	return new Promise((done, fail) => {
		let output = "";
		const collect = (chunk: Buffer) => {
			output += chunk.toString();
			if (output.includes("runs: outbox-relay")) done(child);
		};
		child.stdout?.on("data", collect);
		child.stderr?.on("data", collect);
		child.once("exit", (code) => fail(new Error(`relay process exited (${code}) before it ran:\n${output.slice(-2000)}`)));
	});
}

const exited = (child: ChildProcess): Promise<number | null> =>
	child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((done) => child.once("exit", done));

async function sentCount(): Promise<number> {
	const { rows } = await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE topic = $1 AND sent_at IS NOT NULL", [topic]);
	return Number(rows[0].n);
}

beforeAll(async () => {
	db = await privateDatabase();
	await ensureTopics(kafka, [topic], 3);
});

afterAll(async () => {
	for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
	await db?.drop();
});

test("after a SIGKILL mid-batch and a restart, every event is on Kafka at least once", async () => {
	const first = await startRelayProcess();
	const events = orderEvents(20_000);
	await insertEvents(db.pool, topic, events);

	// Some batches are acknowledged and marked sent: the relay is in the middle of the backlog.
	expect(await eventually(async () => (await sentCount()) > 0, 60_000, 5)).toBe(true);
	first.kill("SIGKILL");
	await exited(first);
	const sentAtKill = await sentCount();
	expect(sentAtKill).toBeLessThan(events.length);

	const second = await startRelayProcess();
	const received = await readTopic(kafka, topic, allArrived(events), 90_000);
	expect(allArrived(events)(received)).toBe(true);
	expect(await unsentCount(db.pool, topic)).toBe(0);

	// Graceful stop: the in-flight batch finishes, the process exits cleanly.
	second.kill("SIGTERM");
	expect(await exited(second)).toBe(0);
});
