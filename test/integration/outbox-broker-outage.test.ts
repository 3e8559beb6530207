/**
 * The Kafka broker stopped for 10 s during a stream of inserts: the relay keeps
 * the events, backs off, and once the broker is back every event is published.
 * Runs its own broker on other ports, so the shared one on 9092 is never touched.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceBroker } from "moleculer";
import { createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { startLocalKafka, type BrokerSite, type LocalKafka } from "../../dev/kafka-local";
import { startNode } from "../support/cluster";
import { allArrived, insertEvents, orderEvents, privateDatabase, readTopic, unsentCount, type OutboxEvent, type PrivateDatabase } from "./outbox-helpers";

jest.setTimeout(240_000);

const site: BrokerSite = { broker: "127.0.0.1:19092", controller: "127.0.0.1:19093", home: mkdtempSync(join(tmpdir(), "outbox-outage-kafka-")) };
const topic = `t-${randomUUID()}-order`;
const kafka = createKafka([site.broker]);
let broker: LocalKafka | undefined;
let db: PrivateDatabase;
let node: ServiceBroker | undefined;

beforeAll(async () => {
	broker = await startLocalKafka(site);
	await ensureTopics(kafka, [topic], 3);
	db = await privateDatabase();
	node = await startNode(["outbox-relay"], {
		DATABASE_URL: db.url,
		KAFKA_BROKERS: site.broker,
		ORDER_TOPIC: topic,
		OUTBOX_MAX_BACKOFF_MS: "1000",
	});
});

afterAll(async () => {
	await node?.stop();
	await broker?.stop();
	await db?.drop();
	rmSync(site.home, { recursive: true, force: true });
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("nothing is lost when the broker stops for 10 s during a stream of inserts", async () => {
	const written: OutboxEvent[] = [];
	let streaming = true;
	const stream = (async () => {
		while (streaming) {
			const events = orderEvents(20);
			await insertEvents(db.pool, topic, events);
			written.push(...events);
			await pause(50);
		}
	})();

	await pause(2_000);
	await broker?.stop();
	await pause(10_000);
	// Written while the broker was down, so still waiting.
	expect(await unsentCount(db.pool, topic)).toBeGreaterThan(0);
	broker = await startLocalKafka(site);
	await pause(2_000);
	streaming = false;
	await stream;

	const received = await readTopic(kafka, topic, allArrived(written), 120_000);
	expect(allArrived(written)(received)).toBe(true);
	expect(await unsentCount(db.pool, topic)).toBe(0);
});
