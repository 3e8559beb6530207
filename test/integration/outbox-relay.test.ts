/**
 * The outbox relay publishes a committed event to its topic with the contract's
 * key and value, marks it sent, is woken by NOTIFY (its fallback poll is ten
 * minutes here), and deletes sent rows after their retention, unsent ones never.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import { createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { RELAY_APPLICATION_NAME } from "../../lib/outbox/outbox-relay";
import { deleteSentBefore } from "../../lib/outbox/outbox-store";
import { startNode } from "../support/cluster";
import { allArrived, eventually, insertEvents, orderEvents, privateDatabase, readTopic, type PrivateDatabase, type Received, SHARED_KAFKA } from "./outbox-helpers";

const topic = `t-${randomUUID()}-order`;
const kafka = createKafka(SHARED_KAFKA.split(","));
const HOUR_MS = 3_600_000;
let db: PrivateDatabase;
let node: ServiceBroker;

beforeAll(async () => {
	db = await privateDatabase();
	await ensureTopics(kafka, [topic], 3);
	node = await startNode(["outbox-relay"], {
		DATABASE_URL: db.url,
		KAFKA_BROKERS: SHARED_KAFKA,
		ORDER_TOPIC: topic,
		OUTBOX_POLL_MS: String(10 * 60_000),
		OUTBOX_RETENTION_MS: String(HOUR_MS),
		OUTBOX_CLEANUP_MS: "200",
	});
});

afterAll(async () => {
	await node?.stop();
	await db?.drop();
});

test("a committed event reaches Kafka with key = order_id and the contract's value, woken by NOTIFY, and is marked sent", async () => {
	const events = orderEvents(3);
	await insertEvents(db.pool, topic, events);

	// The poll is ten minutes away: only the NOTIFY at commit can explain an arrival within 20 s.
	const received = await readTopic(kafka, topic, allArrived(events), 20_000);

	for (const event of events) {
		const got = received.filter((m) => m.value.includes(event.payload.idempotent_key));
		expect(got.length).toBeGreaterThanOrEqual(1);
		expect(got[0].key).toBe(String(event.payload.order_id));
		expect(got[0].value).toBe(
			`{"idempotent_key":"${event.payload.idempotent_key}","order_id":${event.payload.order_id},"status":"CREATED"}`,
		);
	}
	const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM outbox WHERE topic = $1 AND sent_at IS NOT NULL", [topic]);
	expect(rows[0].n).toBe(events.length);
});

test("the published value is byte for byte the contract's for a saga payload, and compact JSON for any other", async () => {
	const key = randomUUID();
	const status = String.raw`q"b\s` + "\n\u0001é😀";
	// Each written as jsonb (which reorders keys and prints spaces), each on a key of its own.
	const cases: Array<[payload: string, value: string]> = [
		[JSON.stringify({ status, order_id: 42, idempotent_key: key }), String.raw`{"idempotent_key":"${key}","order_id":42,"status":"q\"b\\s\n\u0001é😀"}`],
		[`{"extra": [1, 2], "status": "CREATED", "order_id": 7, "idempotent_key": "${key}"}`, `{"idempotent_key":"${key}","order_id":7,"status":"CREATED"}`],
		[`{"status": "CREATED", "order_id": 1.0, "idempotent_key": "${key}"}`, `{"idempotent_key":"${key}","order_id":1,"status":"CREATED"}`],
		[`{"b": {"y": [1, 2.50, "x"]}, "a": null, "id": "${key}"}`, `{"a":null,"b":{"y":[1,2.5,"x"]},"id":"${key}"}`],
		[`[3, "x", "${key}"]`, `[3,"x","${key}"]`],
	];
	const keys = cases.map((_, i) => `${key}-${i}`);
	await db.pool.query(
		"INSERT INTO outbox (topic, message_key, payload) SELECT $1, k, p FROM unnest($2::text[], $3::jsonb[]) WITH ORDINALITY AS e(k, p, n) ORDER BY n",
		[topic, keys, cases.map(([payload]) => payload)],
	);

	const valueOf = (received: Received[], k: string) => received.find((m) => m.key === k)?.value;
	const received = await readTopic(kafka, topic, (all) => keys.every((k) => valueOf(all, k) !== undefined), 20_000);

	expect(keys.map((k) => valueOf(received, k))).toEqual(cases.map(([, value]) => value));
});

test("after its PostgreSQL sessions are killed, the relay reconnects and is woken by NOTIFY again", async () => {
	// The database is this file's own: only this relay's sessions are ended.
	const { rowCount } = await db.pool.query(
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
		[RELAY_APPLICATION_NAME],
	);
	expect(rowCount).toBeGreaterThan(0);
	const listening = () =>
		db.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND query LIKE 'LISTEN%'", [
			RELAY_APPLICATION_NAME,
		]);
	expect(await eventually(async () => (await listening()).rowCount === 1)).toBe(true);

	const events = orderEvents(2);
	await insertEvents(db.pool, topic, events);
	// Still no poll within 20 s: the publish needs the re-established LISTEN.
	const received = await readTopic(kafka, topic, allArrived(events), 20_000);
	expect(allArrived(events)(received)).toBe(true);
});

test("sent rows older than the retention are deleted; recent sent rows stay", async () => {
	const [oldSent, recentSent] = orderEvents(2);
	const insertSent = (event: typeof oldSent, sentAgoMs: number) =>
		db.pool.query<{ id: string }>(
			`INSERT INTO outbox (topic, message_key, payload, created_at, sent_at)
			 VALUES ($1, $2, $3, now() - make_interval(secs => $4 / 1000.0), now() - make_interval(secs => $4 / 1000.0))
			 RETURNING id`,
			[topic, event.key, JSON.stringify(event.payload), sentAgoMs],
		);
	const oldId = (await insertSent(oldSent, 2 * HOUR_MS)).rows[0].id;
	const recentId = (await insertSent(recentSent, 0)).rows[0].id;
	const exists = async (id: string) => (await db.pool.query("SELECT 1 FROM outbox WHERE id = $1", [id])).rowCount === 1;

	expect(await eventually(async () => !(await exists(oldId)))).toBe(true);
	expect(await exists(recentId)).toBe(true);
});

test("the retention sweep never deletes an unsent row, however old", async () => {
	// Inside one uncommitted transaction, so no relay can publish the unsent row meanwhile.
	const client = await db.pool.connect();
	try {
		await client.query("BEGIN");
		const [unsent, sent] = orderEvents(2);
		const insert = (event: typeof unsent, sentAt: string) =>
			client.query<{ id: string }>(
				`INSERT INTO outbox (topic, message_key, payload, created_at, sent_at)
				 VALUES ($1, $2, $3, now() - interval '30 days', ${sentAt}) RETURNING id`,
				[topic, event.key, JSON.stringify(event.payload)],
			);
		const unsentId = (await insert(unsent, "NULL")).rows[0].id;
		const sentId = (await insert(sent, "now() - interval '30 days'")).rows[0].id;

		await deleteSentBefore(client, 0);

		const { rows } = await client.query<{ id: string }>("SELECT id FROM outbox WHERE id = ANY($1::bigint[])", [[unsentId, sentId]]);
		expect(rows.map((r) => r.id)).toEqual([unsentId]);
	} finally {
		await client.query("ROLLBACK");
		client.release();
	}
});

test("a stopped relay has closed its LISTEN and pooled connections", async () => {
	await node.stop();
	const sessions = async () =>
		(await db.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1", [RELAY_APPLICATION_NAME]))
			.rowCount;
	expect(await eventually(async () => (await sessions()) === 0, 5_000)).toBe(true);
});
