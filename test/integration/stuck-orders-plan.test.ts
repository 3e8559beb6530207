/**
 * The stuck lookups stay cheap however many orders the table holds: on 100,000
 * orders (97 % finished, 3 % waiting, 300 of those past their deadline) with
 * real statistics (VACUUM ANALYZE, no planner switch turned off), every statement the
 * REST route, the summary and the monitor run reads `orders` only through the
 * partial index orders_waiting_state_updated_at and `order_states` only through
 * its indexes: never a sequential scan. The planner chooses from the index's
 * size relative to the table's, which is the same at 1,000,000 orders (measured
 * there: docs/stuck-orders.md); 100,000 keeps the test short. The
 * counts are checked against a plain count of the same rows.
 */
import { privateDatabase, type PrivateDatabase } from "../../dev/cluster/private-database";
import { createSequelize } from "../../lib/platform/clients/database";
import { STUCK_SQL, summarizeStuckOrders, listStuckOrders } from "../../lib/orders/stuck-orders-store";
import { STUCK_MONITOR_SQL } from "../../lib/orders/stuck-monitor-store";
import { WAITING_STATES, type StuckDeadlines } from "../../domain/stuck-orders";
import { TEST_DATABASE_URL } from "../support/test-env";
import type { Sequelize } from "sequelize";

const ORDERS = 100_000;
const DEADLINES: StuckDeadlines = { ORDER_CREATED: 120_000, RESERVE_CREATED: 300_000, PAYMENT_CREATED: 900_000 };

/** 97 % finished long ago; the rest waiting, 3 in 1,000 for two hours (stuck), the others for under a minute. */
const FILL_SQL = `
	INSERT INTO orders (user_id, description, state, created_at, updated_at)
	SELECT 1 + i % 5000, '',
		(CASE WHEN i % 100 < 97 THEN (ARRAY['PAYMENT_COMPLETED', 'RESERVE_FAILED', 'PAYMENT_FAILED'])[1 + i % 3]
		      ELSE (ARRAY['ORDER_CREATED', 'RESERVE_CREATED', 'PAYMENT_CREATED'])[1 + i % 3] END)::order_state,
		now() - interval '30 days' + i * interval '25 seconds',
		CASE WHEN i % 100 >= 97 AND i % 1000 >= 997 THEN now() - interval '2 hours' - i * interval '1 millisecond'
		     WHEN i % 100 >= 97 THEN now() - random() * interval '60 seconds'
		     ELSE now() - interval '30 days' + i * interval '25 seconds' + interval '3 seconds' END
	FROM generate_series(1, ${ORDERS}) AS i;
	INSERT INTO order_states (order_id, state, recorded_at) SELECT order_id, 'ORDER_CREATED', created_at FROM orders;
	INSERT INTO order_states (order_id, state, recorded_at) SELECT order_id, state, updated_at FROM orders WHERE state <> 'ORDER_CREATED';`;

interface PlanNode {
	"Node Type": string;
	"Relation Name"?: string;
	"Index Name"?: string;
	Plans?: PlanNode[];
}

/** The plan's nodes that read a table or an index. */
const scans = (node: PlanNode): PlanNode[] => [...(node["Relation Name"] || node["Index Name"] ? [node] : []), ...(node.Plans ?? []).flatMap(scans)];

let db: PrivateDatabase;
let sequelize: Sequelize;

beforeAll(async () => {
	db = await privateDatabase(TEST_DATABASE_URL, "stuck_plan_");
	await db.pool.query(FILL_SQL);
	// What autovacuum does to a table in use: statistics and the visibility map.
	await db.pool.query("VACUUM ANALYZE orders");
	await db.pool.query("VACUUM ANALYZE order_states");
	sequelize = createSequelize(db.url, 2);
}, 120_000);

afterAll(async () => {
	await sequelize?.close();
	await db?.drop();
});

async function planOf(sql: string, params: unknown[]): Promise<PlanNode[]> {
	const { rows } = await db.pool.query<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
	return scans(rows[0]["QUERY PLAN"][0].Plan);
}

const all = [[...WAITING_STATES], WAITING_STATES.map((s) => DEADLINES[s])];

describe("the plans of the stuck lookups on 100,000 orders", () => {
	it.each([
		["the first page of GET /api/orders/stuck", STUCK_SQL.list, [...all, "-infinity", 0, 51]],
		["a later page", STUCK_SQL.list, [...all, "2026-01-01T00:00:00.000000Z", 12345, 51]],
		["one state", STUCK_SQL.list, [["RESERVE_CREATED"], [DEADLINES.RESERVE_CREATED], "-infinity", 0, 501]],
		["the summary (gauges, orders.stuckSummary)", STUCK_SQL.summarize, all],
	])("%s reads orders through the partial index only", async (_name, sql, params) => {
		const plan = await planOf(sql, params);
		expect(plan.map((s) => s["Node Type"])).not.toContain("Seq Scan");
		expect(plan.filter((s) => s["Index Name"]).map((s) => s["Index Name"])).toEqual(["orders_waiting_state_updated_at"]);
		for (const scan of plan) expect(scan["Relation Name"] ?? "orders").toBe("orders");
	});

	it("the monitor's read of new states uses order_states' indexes", async () => {
		expectMonitorPlan(await planOf(STUCK_MONITOR_SQL.transitions, [ORDERS, 5000]));
	});
});

/** The new states by primary key, each one's earlier states by order id: never a sequential scan, never a walk down the primary key. */
function expectMonitorPlan(plan: PlanNode[]): void {
	expect(plan.map((s) => s["Node Type"])).not.toContain("Seq Scan");
	expect(plan.filter((s) => s["Index Name"]).map((s) => s["Index Name"])).toEqual(["order_states_pkey", "order_states_order_id_state_key"]);
}

describe("the monitor's read of new states on a new database (no statistics yet)", () => {
	let fresh: PrivateDatabase;
	beforeAll(async () => {
		fresh = await privateDatabase(TEST_DATABASE_URL, "stuck_fresh_");
		// A benchmark's or a new deployment's first minutes: many orders, each with its first state only.
		await fresh.pool.query(`WITH o AS (INSERT INTO orders (user_id, description) SELECT 1, '' FROM generate_series(1, 20000) RETURNING order_id)
			INSERT INTO order_states (order_id, state) SELECT order_id, 'ORDER_CREATED' FROM o`);
	}, 60_000);
	afterAll(() => fresh?.drop());

	it("finds each state's previous one by order id, not by walking the primary key down", async () => {
		const { rows } = await fresh.pool.query<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${STUCK_MONITOR_SQL.transitions}`, [10_000, 5000]);
		expectMonitorPlan(scans(rows[0]["QUERY PLAN"][0].Plan));
	});
});

describe("the stuck lookups' answers on 100,000 orders", () => {
	it("count what a plain count finds", async () => {
		const { rows } = await db.pool.query<{ state: string; count: number }>(
			`SELECT state::text, count(*)::int AS count FROM orders
			WHERE (state = 'ORDER_CREATED' AND updated_at < now() - interval '120 seconds')
			   OR (state = 'RESERVE_CREATED' AND updated_at < now() - interval '300 seconds')
			   OR (state = 'PAYMENT_CREATED' AND updated_at < now() - interval '900 seconds')
			GROUP BY state`,
		);
		const summary = await summarizeStuckOrders(sequelize, DEADLINES);
		expect(summary.map((s) => s.state)).toEqual([...WAITING_STATES]);
		for (const s of summary) expect(s.count).toBe(rows.find((r) => r.state === s.state)?.count ?? 0);
		expect(summary.reduce((sum, s) => sum + s.count, 0)).toBe(300);
	});

	it("page through every stuck order once, oldest first", async () => {
		const seen: string[] = [];
		let cursor: { since: string; orderId: number } | undefined;
		for (;;) {
			const page = await listStuckOrders(sequelize, { deadlines: DEADLINES, cursor, limit: 64 });
			seen.push(...page.orders.map((o) => `${o.since} ${o.order_id}`));
			const last = page.orders.at(-1);
			if (!page.more || !last) break;
			cursor = { since: last.since, orderId: last.order_id };
		}
		expect(seen).toHaveLength(300);
		expect(new Set(seen).size).toBe(300);
		expect([...seen].sort()).toEqual(seen);
	});
});
