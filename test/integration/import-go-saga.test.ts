/**
 * A Go database as the real system leaves it, imported, and the saga run on
 * here over real Kafka: an in-flight order whose Go history was recorded out
 * of order (ORDER_CREATED, PAYMENT_CREATED, RESERVE_CREATED), by a negative
 * user (a Telegram group chat's id), next to a refused order holding the
 * highest Go id. The states complete, and new orders get ids past every Go id.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import { Pool } from "pg";
import type { OrderState } from "../../domain/order-state";
import { importGo } from "../../lib/import-go/import-run";
import type { ImportReport } from "../../lib/import-go/report";
import { ensureDatabase } from "../../lib/platform/clients/database";
import { migrateUp } from "../../lib/platform/startup/migrations";
import { startNode } from "../support/cluster";
import { databaseUrl, dropDatabase, goDatabaseOf, goTime } from "../support/go-database";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { waitFor } from "../support/wait";

jest.setTimeout(120_000);

const topics = useSagaTopics();
const GROUP_CHAT = -1001234567890;
const OUT_OF_ORDER = 5;
const JUST_CREATED = 6;
const REFUSED = 900;

const goOrders = [
	{
		id: String(OUT_OF_ORDER),
		userId: String(GROUP_CHAT),
		description: "group order",
		products: [["3", "1"]] as Array<[string, string]>,
		states: [["ORDER_CREATED", goTime(0)], ["PAYMENT_CREATED", goTime(1)], ["RESERVE_CREATED", goTime(2)]] as Array<[OrderState, string]>,
		events: [],
	},
	{ id: String(JUST_CREATED), userId: "42", description: null, products: [["4", "2"]] as Array<[string, string]>, states: [["ORDER_CREATED", goTime(3)]] as Array<[OrderState, string]>, events: [] },
	// A count of 0: refused here, yet the payments service already holds this id.
	{ id: String(REFUSED), userId: "42", description: "refused", products: [["4", "0"]] as Array<[string, string]>, states: [["ORDER_CREATED", goTime(4)]] as Array<[OrderState, string]>, events: [] },
];

let go: { url: string; name: string };
const target = databaseUrl("import_go_saga_dst");
let report: ImportReport;
let node: ServiceBroker;
let pool: Pool;

async function historyOf(orderId: number): Promise<{ states: OrderState[]; current: OrderState; user_id: string }> {
	const { rows } = await pool.query<{ states: OrderState[]; current: OrderState; user_id: string }>(
		`SELECT ARRAY(SELECT s.state::text FROM order_states s WHERE s.order_id = o.order_id ORDER BY s.recorded_at, s.id) AS states,
			o.state AS current, o.user_id::text FROM orders o WHERE o.order_id = $1`,
		[orderId],
	);
	return rows[0];
}

const reached = (orderId: number, state: OrderState) =>
	waitFor(async () => {
		const history = await historyOf(orderId);
		return history.current === state ? history : undefined;
	}, `order ${orderId} to be ${state}`);

beforeAll(async () => {
	await topics.setUp();
	go = await goDatabaseOf(goOrders);
	report = await importGo({
		from: go.url,
		to: target.url,
		orderTopic: `t-${randomUUID().slice(0, 8)}-order`,
		batchSize: 1000,
		dryRun: false,
		prepareTarget: async () => {
			await ensureDatabase(target.url);
			await migrateUp(target.url);
		},
	});
	pool = new Pool({ connectionString: target.url, max: 2 });
	node = await startNode(["orders", "state", "reserve-listener", "payment-listener"], { DATABASE_URL: target.url });
});

afterAll(async () => {
	await node?.stop();
	await pool?.end();
	await topics.tearDown();
	await dropDatabase(target.name);
	await dropDatabase(go.name);
});

it("imports the out-of-order history as it was, with its furthest state current, and refuses the order with the highest id", async () => {
	expect(report).toMatchObject({ goOrders: 3, imported: 2, brokenHistories: [{ orderId: OUT_OF_ORDER, step: "ORDER_CREATED -> PAYMENT_CREATED" }] });
	expect(report.refused.map((r) => r.orderId)).toEqual([String(REFUSED)]);
	expect(report.nextOrderId).toBe(REFUSED + 1);
	expect(await historyOf(OUT_OF_ORDER)).toEqual({
		states: ["ORDER_CREATED", "PAYMENT_CREATED", "RESERVE_CREATED"],
		current: "PAYMENT_CREATED",
		user_id: String(GROUP_CHAT),
	});
});

it("the imported out-of-order order takes PAYMENT_COMPLETED from Kafka", async () => {
	await topics.send(topics.payment, sagaMessage(OUT_OF_ORDER, "COMPLETED"), String(OUT_OF_ORDER));
	expect(await reached(OUT_OF_ORDER, "PAYMENT_COMPLETED")).toMatchObject({
		states: ["ORDER_CREATED", "PAYMENT_CREATED", "RESERVE_CREATED", "PAYMENT_COMPLETED"],
	});
	expect((await pool.query("SELECT 1 FROM parked_messages")).rowCount).toBe(0);
});

it("an imported order just created runs the saga, an early payment parked until its reserve comes", async () => {
	await topics.send(topics.payment, sagaMessage(JUST_CREATED, "CREATED"), String(JUST_CREATED));
	await waitFor(async () => ((await pool.query("SELECT 1 FROM parked_messages WHERE order_id = $1", [JUST_CREATED])).rowCount ? true : undefined), "the early payment to be parked");
	await topics.send(topics.reserve, sagaMessage(JUST_CREATED, "CREATED"), String(JUST_CREATED));
	await reached(JUST_CREATED, "PAYMENT_CREATED");
	await topics.send(topics.payment, sagaMessage(JUST_CREATED, "COMPLETED"), String(JUST_CREATED));
	expect(await reached(JUST_CREATED, "PAYMENT_COMPLETED")).toMatchObject({
		states: ["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"],
	});
});

it("a new order of the group chat gets an id past every Go id, the refused one's too, and completes its saga", async () => {
	const created = await node.call<{ order_id: number; user_id: number }, object>("orders.create", {
		user_id: GROUP_CHAT,
		order_products: [{ product_id: 3, count: 1 }],
	});
	expect(created.user_id).toBe(GROUP_CHAT);
	expect(created.order_id).toBeGreaterThan(REFUSED);
	const id = created.order_id;
	await topics.send(topics.reserve, sagaMessage(id, "CREATED"), String(id));
	await reached(id, "RESERVE_CREATED");
	await topics.send(topics.payment, sagaMessage(id, "CREATED"), String(id));
	await reached(id, "PAYMENT_CREATED");
	await topics.send(topics.payment, sagaMessage(id, "COMPLETED"), String(id));
	expect(await reached(id, "PAYMENT_COMPLETED")).toMatchObject({
		states: ["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"],
		user_id: String(GROUP_CHAT),
	});
});
