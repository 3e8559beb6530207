/**
 * A private database shaped like the Go orders service's (test/fixtures/go-schema.sql)
 * filled with generated orders: every case the Go service allowed and this
 * schema does not, each with what an import must make of it, spelled out here
 * rather than derived from the importer under test.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Client } from "pg";
import { ensureDatabase } from "../../lib/platform/clients/database";
import { migrateUp } from "../../lib/platform/startup/migrations";
import { TEST_DATABASE_URL } from "./test-env";

export type State = "ORDER_CREATED" | "RESERVE_CREATED" | "RESERVE_FAILED" | "PAYMENT_CREATED" | "PAYMENT_FAILED" | "PAYMENT_COMPLETED";

export interface GoOrder {
	id: string;
	userId: string;
	description: string | null;
	products: Array<[string, string]>;
	/** In the order of their row ids. */
	states: Array<[State, string]>;
	events: Array<{ status: "WAIT" | "DONE"; payload: string; time: string }>;
}

export interface ExpectedOrder {
	user_id: number;
	description: string;
	state: State;
	products: Array<{ product_id: number; count: number }>;
	/** time null: recorded at import (the Go order had no state). */
	states: Array<{ state: State; time: string | null }>;
	/** Payloads of the WAIT events, in Go's order. */
	events: unknown[];
}

export interface GoFixture {
	url: string;
	/** Every Go order id: what it must become, or null when it must be refused. */
	expected: Map<string, ExpectedOrder | null>;
	/** Order ids the report must list, by case. */
	cases: { merged: number[]; broken: number[]; repeated: number[]; noHistory: number[] };
	orphanEventIds: string[];
	largestImportedId: number;
	waitEventsOfRefused: number;
	doneEvents: number;
}

const BASE_TIME = Date.UTC(2024, 2, 1, 10, 0, 0);

/** PostgreSQL `timestamp` text with microseconds, and the canonical UTC text the import must keep. */
function timeAt(seconds: number, micros: number): { go: string; utc: string } {
	const iso = new Date(BASE_TIME + seconds * 1000).toISOString().slice(0, 19);
	const fraction = String(micros).padStart(6, "0");
	return { go: `${iso.replace("T", " ")}.${fraction}`, utc: `${iso}.${fraction}Z` };
}

const payload = (orderId: string): string => `{"idempotent_key": "${randomUUID()}", "order_id": ${orderId}, "status": "CREATED"}`;

/** One generated order: the Go rows and the expectation, by case. */
function makeCase(kind: number, id: string, i: number, fixture: GoFixture): GoOrder {
	const t = (k: number) => timeAt(i * 10 + k, (i * 37 + k) % 1_000_000);
	const base: GoOrder = {
		id,
		userId: String(1000 + (i % 97)),
		description: `order ${i}`,
		products: [
			[String(100 + (i % 50)), String(1 + (i % 5))],
			[String(200 + (i % 7)), "2"],
		],
		states: [["ORDER_CREATED", t(0).go]],
		events: [],
	};
	const expect = (order: Partial<ExpectedOrder>): void => {
		fixture.expected.set(id, {
			user_id: Number(base.userId),
			description: base.description ?? "",
			products: base.products.map(([p, c]) => ({ product_id: Number(p), count: Number(c) })),
			states: [{ state: "ORDER_CREATED", time: t(0).utc }],
			state: "ORDER_CREATED",
			events: [],
			...order,
		});
	};
	const refuse = (): void => {
		fixture.expected.set(id, null);
		base.events.push({ status: "WAIT", payload: payload(id), time: t(1).go });
		fixture.waitEventsOfRefused++;
	};
	const wait = (): unknown => {
		const event = payload(id);
		base.events.push({ status: "WAIT", payload: event, time: t(4).go });
		return JSON.parse(event);
	};
	const done = (): void => {
		base.events.push({ status: "DONE", payload: payload(id), time: t(1).go });
		fixture.doneEvents++;
	};
	switch (kind) {
		case 0: // a saga run to its end, its event published
			base.states = [["ORDER_CREATED", t(0).go], ["RESERVE_CREATED", t(1).go], ["PAYMENT_CREATED", t(2).go], ["PAYMENT_COMPLETED", t(3).go]];
			done();
			expect({
				state: "PAYMENT_COMPLETED",
				states: [
					{ state: "ORDER_CREATED", time: t(0).utc },
					{ state: "RESERVE_CREATED", time: t(1).utc },
					{ state: "PAYMENT_CREATED", time: t(2).utc },
					{ state: "PAYMENT_COMPLETED", time: t(3).utc },
				],
			});
			break;
		case 1: // just created, its event not yet published
			expect({ events: [wait()] });
			break;
		case 2: // NULL description, one event published and one waiting
			base.description = null;
			done();
			expect({ description: "", events: [wait()] });
			break;
		case 3: // the same product twice
			base.products = [["7", "2"], ["8", "1"], ["7", "3"]];
			fixture.cases.merged.push(Number(id));
			expect({ products: [{ product_id: 7, count: 5 }, { product_id: 8, count: 1 }], events: [wait()] });
			break;
		case 4:
			base.products.push(["9", "0"]);
			refuse();
			break;
		case 5:
			base.products = [["9", "-3"]];
			refuse();
			break;
		case 6:
			base.products = [["9", "2147483648"]];
			refuse();
			break;
		case 7: // a history the rules do not allow
			base.states = [["ORDER_CREATED", t(0).go], ["PAYMENT_COMPLETED", t(1).go]];
			fixture.cases.broken.push(Number(id));
			expect({ state: "PAYMENT_COMPLETED", states: [{ state: "ORDER_CREATED", time: t(0).utc }, { state: "PAYMENT_COMPLETED", time: t(1).utc }] });
			break;
		case 8: // the same state twice: the latest record stays
			base.states = [["ORDER_CREATED", t(0).go], ["RESERVE_CREATED", t(1).go], ["ORDER_CREATED", t(2).go]];
			fixture.cases.repeated.push(Number(id));
			fixture.cases.broken.push(Number(id));
			// The order's state is the furthest of its history, not the last in time.
			expect({ state: "RESERVE_CREATED", states: [{ state: "RESERVE_CREATED", time: t(1).utc }, { state: "ORDER_CREATED", time: t(2).utc }] });
			break;
		case 9: // no state at all
			base.states = [];
			fixture.cases.noHistory.push(Number(id));
			expect({ states: [{ state: "ORDER_CREATED", time: null }], events: [wait()] });
			break;
		case 10: // rows written out of time order: the times decide
			base.states = [["RESERVE_FAILED", t(1).go], ["ORDER_CREATED", t(0).go]];
			expect({ state: "RESERVE_FAILED", states: [{ state: "ORDER_CREATED", time: t(0).utc }, { state: "RESERVE_FAILED", time: t(1).utc }] });
			break;
		default: // two states at the same time: the row ids decide
			base.states = [["ORDER_CREATED", t(0).go], ["RESERVE_CREATED", t(0).go]];
			expect({ state: "RESERVE_CREATED", states: [{ state: "ORDER_CREATED", time: t(0).utc }, { state: "RESERVE_CREATED", time: t(0).utc }] });
	}
	return base;
}
const CASES = 12;

/** Orders only one of which exists: the largest ids, and ids and counts at the limits. */
function oneOffs(fixture: GoFixture): GoOrder[] {
	const safeLargest = "9007199254740000";
	const plain = (id: string, overrides: Partial<GoOrder>): GoOrder => ({
		id,
		userId: "77",
		description: "limits",
		products: [["5", "1"]],
		states: [["ORDER_CREATED", timeAt(0, 0).go]],
		events: [],
		...overrides,
	});
	const event = payload(safeLargest);
	fixture.expected.set(safeLargest, {
		user_id: 77,
		description: "limits",
		state: "ORDER_CREATED",
		products: [{ product_id: 5, count: 2147483647 }],
		states: [{ state: "ORDER_CREATED", time: timeAt(0, 0).utc }],
		events: [JSON.parse(event)],
	});
	fixture.largestImportedId = Number(safeLargest);
	const groupChat = "30001"; // the Telegram bot's user id in a group chat is negative
	fixture.expected.set(groupChat, {
		user_id: -1001234567890,
		description: "limits",
		state: "ORDER_CREATED",
		products: [{ product_id: 5, count: 1 }],
		states: [{ state: "ORDER_CREATED", time: timeAt(0, 0).utc }],
		events: [],
	});
	for (const refused of ["9007199254740993", "9007199254740100", "9007199254740200"]) fixture.expected.set(refused, null);
	return [
		plain(safeLargest, { products: [["5", "2147483647"]], events: [{ status: "WAIT", payload: event, time: timeAt(1, 0).go }] }),
		plain(groupChat, { userId: "-1001234567890" }),
		plain("9007199254740993", {}), // above 2^53-1: clients could not read it exactly
		plain("9007199254740100", { userId: "0" }),
		plain("9007199254740200", { products: [["5", "2147483647"], ["5", "1"]] }), // merged past the largest count
	];
}

async function insert(client: Client, orders: GoOrder[]): Promise<void> {
	await client.query(`INSERT INTO "order" (id, user_id, description) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])`, [
		orders.map((o) => o.id),
		orders.map((o) => o.userId),
		orders.map((o) => o.description),
	]);
	const products = orders.flatMap((o) => o.products.map(([p, c]) => [o.id, p, c]));
	await client.query(
		"INSERT INTO product (order_id, product_id, count) SELECT o, p, c FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS x(o, p, c, n) ORDER BY n",
		[0, 1, 2].map((k) => products.map((row) => row[k])),
	);
	const states = orders.flatMap((o) => o.states.map(([s, t]) => [o.id, s, t]));
	await client.query(
		"INSERT INTO state (order_id, state, created_at) SELECT o, s, t FROM unnest($1::bigint[], $2::order_state[], $3::timestamp[]) WITH ORDINALITY AS x(o, s, t, n) ORDER BY n",
		[0, 1, 2].map((k) => states.map((row) => row[k])),
	);
	const events = orders.flatMap((o) => o.events.map((e) => ["order", e.payload, e.status, e.time]));
	await client.query(
		"INSERT INTO event (topic, payload, status, created_at) SELECT t, p, s, c FROM unnest($1::text[], $2::jsonb[], $3::event_status[], $4::timestamp[]) WITH ORDINALITY AS x(t, p, s, c, n) ORDER BY n",
		[0, 1, 2, 3].map((k) => events.map((row) => row[k])),
	);
}

/** Events the import cannot key: an order that does not exist, and no order at all. */
async function insertOrphans(client: Client): Promise<string[]> {
	const { rows } = await client.query<{ id: string }>(
		`INSERT INTO event (topic, payload) VALUES ('order', '{"order_id": 123456789012, "status": "CREATED"}'), ('order', '{"status": "CREATED"}') RETURNING id::text`,
	);
	return rows.map((r) => r.id);
}

/** A database name of this test run: `<prefix>_<random>`. */
export function databaseUrl(prefix: string): { url: string; name: string } {
	const url = new URL(TEST_DATABASE_URL);
	const name = `${prefix}_${randomUUID().slice(0, 8)}`;
	url.pathname = `/${name}`;
	return { url: url.toString(), name };
}

export async function dropDatabase(name: string): Promise<void> {
	const admin = new Client({ connectionString: TEST_DATABASE_URL });
	await admin.connect();
	await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => admin.end());
}

/** A fresh database with no table at all. */
export async function emptyDatabase(prefix: string): Promise<{ url: string; name: string }> {
	const db = databaseUrl(prefix);
	const admin = new Client({ connectionString: TEST_DATABASE_URL });
	await admin.connect();
	await admin.query(`CREATE DATABASE "${db.name}"`).finally(() => admin.end());
	return db;
}

/** A fresh database with this service's migrations: the import's target. */
export async function migratedDatabase(prefix: string): Promise<{ url: string; name: string }> {
	const db = databaseUrl(prefix);
	await ensureDatabase(db.url);
	await migrateUp(db.url);
	return db;
}

/**
 * A Go-shaped database filled by `fill`. Its sessions run in a zone other than
 * UTC, which must not change how its `timestamp` columns are read.
 */
async function goShapedDatabase(fill: (client: Client) => Promise<void>): Promise<{ url: string; name: string }> {
	const db = databaseUrl("import_go_src");
	await ensureDatabase(db.url);
	const client = new Client({ connectionString: db.url });
	await client.connect();
	try {
		await client.query(`ALTER DATABASE "${db.name}" SET timezone TO 'Asia/Tokyo'`);
		await client.query(readFileSync(resolve(__dirname, "..", "fixtures", "go-schema.sql"), "utf8"));
		await fill(client);
	} finally {
		await client.end();
	}
	return db;
}

/** A Go-shaped database holding just `orders`. */
export const goDatabaseOf = (orders: GoOrder[]): Promise<{ url: string; name: string }> => goShapedDatabase((client) => insert(client, orders));

/** The Go `timestamp` text `seconds` after the fixtures' base time. */
export const goTime = (seconds: number): string => timeAt(seconds, 0).go;

/** A Go-shaped database with `count` generated orders (ids with gaps) plus the one-off cases. */
export async function goDatabase(count: number): Promise<GoFixture & { name: string }> {
	const fixture: GoFixture = {
		url: "",
		expected: new Map(),
		cases: { merged: [], broken: [], repeated: [], noHistory: [] },
		orphanEventIds: [],
		largestImportedId: 0,
		waitEventsOfRefused: 0,
		doneEvents: 0,
	};
	const db = await goShapedDatabase(async (client) => {
		const orders = Array.from({ length: count }, (_, i) => makeCase(i % CASES, String(1 + i * 2), i, fixture));
		await insert(client, [...orders, ...oneOffs(fixture)]);
		fixture.orphanEventIds = await insertOrphans(client);
	});
	return { ...fixture, url: db.url, name: db.name };
}
