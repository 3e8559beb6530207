/**
 * `npm run import-go` on a Go-shaped database of 10,000 generated orders with
 * every edge case (test/support/go-database.ts), into a fresh database: every
 * row checked, a second run changes nothing, a lost part is resumed, a changed
 * order is reported and left alone, and this service serves what was imported.
 */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { Client } from "pg";
import { http, startRestNode, type RestNode } from "../e2e/rest-support";
import { dumpOrders, runImportGo, tableFingerprint, type CliRun, type DumpedOrder } from "../support/import-go-cli";
import { databaseUrl, dropDatabase, goDatabase, type ExpectedOrder, type GoFixture } from "../support/go-database";

jest.setTimeout(300_000);

const ORDERS = 10_000;
const orderTopic = `t-${randomUUID().slice(0, 8)}-order`;
let go: GoFixture & { name: string };
const target = databaseUrl("import_go_dst");
let first: CliRun;

const importGo = (...args: string[]) => runImportGo(["--from", go.url, "--to", target.url, ...args], { ORDER_TOPIC: orderTopic });

/** What the target must hold for one Go order; a time recorded at import is taken as it is. */
function expectedDump(id: string, expected: ExpectedOrder, got: DumpedOrder | undefined): DumpedOrder {
	const importTime = (i: number) => got?.states[i]?.time ?? "a time";
	return {
		order_id: id,
		user_id: expected.user_id,
		description: expected.description,
		state: expected.state,
		// The Go order had no time of its own: it is its first state's.
		created_at: expected.states[0].time ?? got?.created_at ?? "a time",
		products: expected.products,
		states: expected.states.map((s, i) => ({ state: s.state, time: s.time ?? importTime(i) })),
		events: expected.events.map((payload) => ({ topic: orderTopic, payload, sent: false })),
	};
}

/** Every Go order is in the target as expected, or absent when refused ("except": left out of the check). */
function expectEveryOrder(dump: Map<string, DumpedOrder>, except: string[] = []): void {
	const wrong: Array<{ id: string; expected: DumpedOrder | null; got: DumpedOrder | null }> = [];
	let imported = 0;
	for (const [id, expected] of go.expected) {
		if (except.includes(id)) continue;
		const got = dump.get(id) ?? null;
		const want = expected === null ? null : expectedDump(id, expected, got ?? undefined);
		if (want) imported++;
		// One comparison per order without jest's per-call cost; the first differences are shown whole.
		if (!isDeepStrictEqual(got, want)) wrong.push({ id, expected: want, got });
	}
	expect(wrong.slice(0, 3)).toEqual([]);
	expect(dump.size - except.length).toBe(imported);
}

const importedCount = () => [...go.expected.values()].filter((e) => e !== null).length;

beforeAll(async () => {
	go = await goDatabase(ORDERS);
	first = await importGo();
	// The measured figure of the issue ("10,000 orders under a minute"); printed, never asserted.
	console.log(`import-go of ${go.expected.size} Go orders: ${first.report ? (first.report.elapsedMs / 1000).toFixed(1) : "?"} s\n${first.stdout}`);
});

afterAll(async () => {
	await dropDatabase(go.name);
	await dropDatabase(target.name);
});

it("imports every order, product, state and WAIT event, and reports every case", async () => {
	expect(first.stderr).toBe("");
	expect(first.code).toBe(0);
	const report = first.report!;
	const refused = [...go.expected].filter(([, e]) => e === null).map(([id]) => id);
	expect(report.refused.map((r) => r.orderId).sort()).toEqual(refused.sort());
	expect(report.refused.reduce((n, r) => n + r.waitEvents, 0)).toBe(go.waitEventsOfRefused);
	expect(report.merged.map((m) => m.orderId)).toEqual(go.cases.merged);
	expect(report.brokenHistories.map((b) => b.orderId)).toEqual(go.cases.broken);
	expect(report.repeatedStates.map((r) => r.orderId)).toEqual(go.cases.repeated);
	expect(report.noHistory).toEqual(go.cases.noHistory);
	expect(report.orphanEvents.map((e) => e.eventId)).toEqual(go.orphanEventIds);
	expect(report.doneEventsLeft).toBe(go.doneEvents);
	expect(report).toMatchObject({ goOrders: go.expected.size, imported: importedCount(), unchanged: 0, differing: [] });
	expect(report.eventsQueued).toBe([...go.expected.values()].reduce((n, e) => n + (e?.events.length ?? 0), 0));
	expect(report.nextOrderId).toBeGreaterThan(go.largestImportedId);
	expect(first.stdout).toContain(`${importedCount()} orders imported`);

	expectEveryOrder(await dumpOrders(target.url));
});

it("a second run changes nothing and says so", async () => {
	const before = await tableFingerprint(target.url);
	const second = await importGo();
	expect(second.code).toBe(0);
	expect(second.report).toMatchObject({ imported: 0, unchanged: importedCount(), differing: [], eventsQueued: 0 });
	expect(second.stdout).toContain("nothing to change");
	expect(await tableFingerprint(target.url)).toEqual(before);
});

it("resumes what a run left out, and reports an order changed here without overwriting it", async () => {
	const db = new Client({ connectionString: target.url });
	await db.connect();
	const lost = [...go.expected].filter(([id, e]) => e !== null && Number(id) > 12_000).map(([id]) => id);
	const changed = "3";
	try {
		// As if the run had stopped after its first batches: the later orders and their events are missing.
		await db.query("DELETE FROM outbox WHERE message_key = ANY($1::text[])", [lost]);
		await db.query("DELETE FROM orders WHERE order_id = ANY($1::bigint[])", [lost]);
		await db.query("UPDATE orders SET description = 'changed here' WHERE order_id = $1", [changed]);
	} finally {
		await db.end();
	}
	const resumed = await importGo();
	expect(resumed.code).toBe(0);
	expect(resumed.report).toMatchObject({ imported: lost.length, differing: [{ orderId: Number(changed), difference: "description differs" }] });
	const dump = await dumpOrders(target.url);
	expect(dump.get(changed)?.description).toBe("changed here");
	expectEveryOrder(dump, [changed]);
});

describe("this service serves the imported orders", () => {
	let node: RestNode;
	beforeAll(async () => {
		node = await startRestNode({ DATABASE_URL: target.url });
	});
	afterAll(() => node?.stop());

	const ids = () => [
		String(go.largestImportedId),
		String(go.cases.merged[0]),
		String(go.cases.broken[0]),
		String(go.cases.repeated[0]),
		[...go.expected].find(([, e]) => e?.description === "")![0],
	];

	it("GET /orders/:id and /orders/:id/states answer what Go held", async () => {
		for (const id of ids()) {
			const expected = go.expected.get(id)!;
			const order = await http(`${node.base}/orders/${id}`);
			expect({ id, status: order.status, body: order.body }).toMatchObject({
				id,
				status: 200,
				body: { order_id: Number(id), user_id: expected.user_id, description: expected.description, state: expected.state, order_products: expected.products },
			});
			const states = await http<{ order_states: Array<{ state: string; time: string }> }>(`${node.base}/orders/${id}/states`);
			expect(states.body.order_states.map((s) => s.state)).toEqual(expected.states.map((s) => s.state));
			expect(states.body.order_states.map((s) => Date.parse(s.time))).toEqual(expected.states.map((s) => Date.parse(s.time!)));
		}
	});

	it("a new order gets an id above every imported one", async () => {
		const res = await http<{ order_id: number }>(`${node.base}/orders`, {
			method: "POST",
			json: { user_id: 1, order_products: [{ product_id: 1, count: 1 }] },
		});
		expect(res.status).toBe(201);
		expect(res.body.order_id).toBeGreaterThan(go.largestImportedId);
	});
});
