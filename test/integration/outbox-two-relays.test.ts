/**
 * Two relays at once over 1,000 new events (100 orders, 10 events each): every
 * event is published, and each order's events arrive on one partition in
 * creation order, even while a slow relay holds the slot of one order (and of
 * the few orders whose keys share it).
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import type { PoolClient } from "pg";
import { createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import {
	allArrived,
	arrivedKeys,
	insertEvents,
	orderEvents,
	privateDatabase,
	readTopic,
	unsentCount,
	type PrivateDatabase,
	type Received,
	SHARED_KAFKA,
} from "./outbox-helpers";
import { startNode } from "../support/cluster";

const topic = `t-${randomUUID()}-order`;
const kafka = createKafka(SHARED_KAFKA.split(","));
let db: PrivateDatabase;
const nodes: ServiceBroker[] = [];
let slowRelay: PoolClient | undefined;

beforeAll(async () => {
	db = await privateDatabase();
	await ensureTopics(kafka, [topic], 3);
});

afterAll(async () => {
	await slowRelay?.query("ROLLBACK").catch(() => undefined);
	slowRelay?.release();
	await Promise.all(nodes.map((node) => node.stop()));
	await db?.drop();
});

async function startRelays(): Promise<void> {
	const env = {
		DATABASE_URL: db.url,
		KAFKA_BROKERS: SHARED_KAFKA,
		ORDER_TOPIC: topic,
		// Batches smaller than the distance between two events of one order: the two
		// relays hold different events of the same orders at the same time.
		OUTBOX_BATCH_SIZE: "40",
	};
	for (const name of ["relay-a", "relay-b"]) {
		nodes.push(await startNode(["outbox-relay"], { ...env, NODE_ID: `${name}-${randomUUID().slice(0, 8)}` }));
	}
}

const idempotentKey = (m: Received) => (JSON.parse(m.value) as { idempotent_key: string }).idempotent_key;

test("every event is published and each order's events keep their creation order", async () => {
	const events = orderEvents(100, 10);
	const [firstHalf, secondHalf] = [events.slice(0, 500), events.slice(500)];
	await insertEvents(db.pool, topic, firstHalf);

	// A slow relay: it holds the slot of one order's events (as a relay does from its read to its commit).
	const held = firstHalf[0];
	slowRelay = await db.pool.connect();
	await slowRelay.query("BEGIN");
	const { rows: heldRows } = await slowRelay.query<{ slot: number }>(
		"SELECT slot, pg_advisory_xact_lock(hashtext('outbox ' || topic), slot) FROM outbox WHERE payload->>'idempotent_key' = $1",
		[held.payload.idempotent_key],
	);
	const heldSlot = heldRows[0].slot;

	await startRelays();
	await insertEvents(db.pool, topic, secondHalf);
	const { rows: slots } = await db.pool.query<{ key: string; slot: number }>("SELECT DISTINCT message_key AS key, slot FROM outbox WHERE topic = $1", [topic]);
	const heldKeys = new Set(slots.filter((s) => s.slot === heldSlot).map((s) => s.key));
	const heldOrders = events.filter((e) => heldKeys.has(e.key));
	const others = events.filter((e) => !heldKeys.has(e.key));
	expect(others.length).toBeGreaterThan(events.length / 2);

	const beforeRelease = await readTopic(kafka, topic, allArrived(others), 45_000);
	expect(allArrived(others)(beforeRelease)).toBe(true);
	const arrived = arrivedKeys(beforeRelease);
	expect(heldOrders.filter((e) => arrived.has(e.payload.idempotent_key))).toEqual([]);

	await slowRelay.query("ROLLBACK"); // the slow relay gives up: its slot is free again
	slowRelay.release();
	slowRelay = undefined;

	const received = await readTopic(kafka, topic, allArrived(events), 45_000);
	expect(allArrived(events)(received)).toBe(true);
	expect(await unsentCount(db.pool, topic)).toBe(0);

	const sequence = new Map(events.map((e, i) => [e.payload.idempotent_key, i]));
	const byOrder = new Map<string, { partitions: Set<number>; firstArrivals: number[] }>();
	for (const m of received) {
		const index = sequence.get(idempotentKey(m));
		if (index === undefined) continue;
		const order = byOrder.get(m.key) ?? { partitions: new Set(), firstArrivals: [] };
		byOrder.set(m.key, order);
		order.partitions.add(m.partition);
		// At least once: a duplicate may follow; consumers dedupe, so order means first arrivals.
		if (!order.firstArrivals.includes(index)) order.firstArrivals.push(index);
	}
	expect(byOrder.size).toBe(100);
	for (const [, order] of byOrder) {
		expect(order.partitions.size).toBe(1);
		expect(order.firstArrivals).toHaveLength(10);
		expect(order.firstArrivals).toEqual([...order.firstArrivals].sort((a, b) => a - b));
	}
});
