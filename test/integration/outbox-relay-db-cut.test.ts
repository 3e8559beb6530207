/**
 * PostgreSQL cut while the relay waits on Kafka with a batch read from the
 * session that holds its slots: the lost connection is an 'error' event on a
 * client no query is running on. The relay process must survive it, and publish
 * every event once both are back (from the committed positions, on a new
 * session). (Found by the chaos run: relays died with "Connection terminated
 * unexpectedly".)
 */
import { randomUUID } from "node:crypto";
import { createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { RELAY_APPLICATION_NAME } from "../../lib/outbox/outbox-relay";
import { nodeProcesses, type NodeProcesses } from "../../dev/cluster/processes";
import { startTcpProxy, type TcpProxy } from "../../dev/cluster/tcp-proxy";
import { allArrived, eventually, insertEvents, orderEvents, privateDatabase, readTopic, unsentCount, type PrivateDatabase, SHARED_KAFKA } from "./outbox-helpers";

jest.setTimeout(240_000);

const topic = `t-${randomUUID()}-order`;
const kafka = createKafka(SHARED_KAFKA.split(","));
let db: PrivateDatabase;
let proxy: TcpProxy;
let processes: NodeProcesses;

beforeAll(async () => {
	db = await privateDatabase();
	const url = new URL(db.url);
	proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
	url.port = String(proxy.port);
	processes = nodeProcesses({ DATABASE_URL: url.toString(), ORDER_TOPIC: topic, OUTBOX_MAX_BACKOFF_MS: "1000" });
});

afterAll(async () => {
	await processes?.stopAll("SIGKILL");
	await proxy?.close();
	await db?.drop();
});

/** The relay's session holds slots and its batch is not committed: it waits on Kafka. */
async function waitingOnKafkaHoldingSlots(): Promise<boolean> {
	const { rowCount } = await db.pool.query(
		`SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND a.datname = current_database() AND a.application_name = $1 AND a.state = 'idle'`,
		[RELAY_APPLICATION_NAME],
	);
	return (rowCount ?? 0) > 0 && (await unsentCount(db.pool, topic)) > 0;
}

test("a relay whose slot session loses PostgreSQL during a send lives on and publishes everything", async () => {
	const relay = await processes.start({ name: "outbox-relay", services: ["outbox-relay"] });
	// Without its topic, the send retries for seconds while the batch waits uncommitted.
	const admin = kafka.admin();
	await admin.connect();
	await admin.deleteTopics({ topics: [topic] });
	await admin.disconnect();
	const events = orderEvents(50);
	await insertEvents(db.pool, topic, events);
	expect(await eventually(waitingOnKafkaHoldingSlots, 60_000, 20)).toBe(true);

	proxy.cut();
	expect(await eventually(async () => proxy.refused > 0, 30_000)).toBe(true); // the relay noticed and tries again
	proxy.restore();
	await ensureTopics(kafka, [topic], 3);

	const received = await readTopic(kafka, topic, allArrived(events), 120_000);
	expect(relay.alive() ? "alive" : relay.output().slice(-2_000)).toBe("alive");
	expect(allArrived(events)(received)).toBe(true);
	expect(await eventually(async () => (await unsentCount(db.pool, topic)) === 0, 60_000)).toBe(true);
});
