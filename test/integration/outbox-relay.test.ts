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
import { allArrived, arrivedKeys, eventually, insertEvents, orderEvents, privateDatabase, readTopic, type OutboxEvent, type PrivateDatabase, type Received, SHARED_KAFKA } from "./outbox-helpers";

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
	const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM outbox o WHERE topic = $1 AND outbox_sent_at(o) IS NOT NULL", [topic]);
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

test("slots another session held are taken over once freed, without waiting for a NOTIFY or the poll", async () => {
	// End the relay's slot session (the one holding advisory locks, once it holds them); its LISTEN stays.
	const slotSession = `FROM pg_stat_activity a WHERE a.datname = current_database() AND a.application_name = $1
	                       AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory')`;
	expect(await eventually(async () => (await db.pool.query(`SELECT 1 ${slotSession}`, [RELAY_APPLICATION_NAME])).rowCount === 1)).toBe(true);
	const { rowCount } = await db.pool.query(`SELECT pg_terminate_backend(a.pid) ${slotSession}`, [RELAY_APPLICATION_NAME]);
	expect(rowCount).toBe(1);
	// Another holder (a relay that is about to stop) takes one slot first.
	const events = orderEvents(8);
	const slotOf = async (key: string) => (await db.pool.query<{ slot: number }>("SELECT (hashtext($1) & 63)::int AS slot", [key])).rows[0].slot;
	const heldSlot = await slotOf(events[0].key);
	const held: OutboxEvent[] = [];
	const free: OutboxEvent[] = [];
	for (const event of events) ((await slotOf(event.key)) === heldSlot ? held : free).push(event);
	expect(free.length).toBeGreaterThan(0);
	const holder = await db.pool.connect();
	try {
		await holder.query("SELECT pg_advisory_lock(hashtext('outbox ' || $1::text), $2)", [topic, heldSlot]);
		await insertEvents(db.pool, topic, events);
		// The NOTIFY wakes the relay: it reconnects, takes the other 63 slots and publishes their events.
		const beforeRelease = await readTopic(kafka, topic, allArrived(free), 20_000);
		expect(allArrived(free)(beforeRelease)).toBe(true);
		const arrived = arrivedKeys(beforeRelease);
		expect(held.filter((e) => arrived.has(e.payload.idempotent_key))).toEqual([]);

		await holder.query("SELECT pg_advisory_unlock(hashtext('outbox ' || $1::text), $2)", [topic, heldSlot]);
	} finally {
		holder.release();
	}
	// No NOTIFY now and the poll is ten minutes away: only the relay looking for the slot again explains it.
	const received = await readTopic(kafka, topic, allArrived(held), 20_000);
	expect(allArrived(held)(received)).toBe(true);
});

test("sent rows older than the retention are deleted; recent sent rows stay", async () => {
	const [oldSent, recentSent] = orderEvents(2);
	const insert = (event: typeof oldSent, createdAgoMs: number) =>
		db.pool.query<{ id: string }>(
			`INSERT INTO outbox (topic, message_key, payload, created_at)
			 VALUES ($1, $2, $3, now() - make_interval(secs => $4 / 1000.0)) RETURNING id`,
			[topic, event.key, JSON.stringify(event.payload), createdAgoMs],
		);
	const oldId = (await insert(oldSent, 2 * HOUR_MS)).rows[0].id;
	const recentId = (await insert(recentSent, 0)).rows[0].id;
	const exists = async (id: string) => (await db.pool.query("SELECT 1 FROM outbox WHERE id = $1", [id])).rowCount === 1;
	const sent = async (id: string) => (await db.pool.query("SELECT 1 FROM outbox o WHERE id = $1 AND outbox_sent_at(o) IS NOT NULL", [id])).rowCount === 1;

	expect(await eventually(() => sent(recentId))).toBe(true);
	expect(await eventually(async () => !(await exists(oldId)))).toBe(true);
	expect(await exists(recentId)).toBe(true);
});

test("the retention sweep never deletes an unsent row, however old", async () => {
	// Inside one uncommitted transaction, so no relay can publish the unsent row meanwhile.
	const client = await db.pool.connect();
	try {
		await client.query("BEGIN");
		const [sent, unsent] = orderEvents(2);
		const insert = (event: typeof unsent) =>
			client.query<{ id: string }>(
				`INSERT INTO outbox (topic, message_key, payload, created_at)
				 VALUES ($1, $2, $3, now() - interval '30 days') RETURNING id`,
				[topic, event.key, JSON.stringify(event.payload)],
			);
		const sentId = (await insert(sent)).rows[0].id;
		const unsentId = (await insert(unsent)).rows[0].id;
		// As a relay marks it sent: its slot's position reaches it (the later unsent row stays after any position).
		await client.query("UPDATE outbox_positions p SET position = o.id FROM outbox o WHERE o.id = $1 AND p.topic = o.topic AND p.slot = o.slot", [sentId]);

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
