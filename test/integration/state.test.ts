/** state.apply / state.applyBatch through the broker, against the real test database. */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import type { Pool } from "pg";
import { ORDER_STATES, type OrderState } from "../../domain/order-state";
import type { ApplyOutcome, ApplyRequest, MessageSource } from "../../domain/state-batch";
import { startNode } from "../support/cluster";
import { createOrder, historyOf, testPool, unknownOrderId } from "../support/orders-fixture";

// The history that leads to each state, and what the contract says may follow it.
const PATH: Record<OrderState, OrderState[]> = {
	ORDER_CREATED: [],
	RESERVE_CREATED: ["RESERVE_CREATED"],
	RESERVE_FAILED: ["RESERVE_FAILED"],
	PAYMENT_CREATED: ["RESERVE_CREATED", "PAYMENT_CREATED"],
	PAYMENT_FAILED: ["RESERVE_CREATED", "PAYMENT_FAILED"],
	PAYMENT_COMPLETED: ["RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"],
};
const ALLOWED = new Set([
	"ORDER_CREATED->RESERVE_CREATED",
	"ORDER_CREATED->RESERVE_FAILED",
	"RESERVE_CREATED->PAYMENT_CREATED",
	"RESERVE_CREATED->PAYMENT_FAILED",
	"PAYMENT_CREATED->PAYMENT_FAILED",
	"PAYMENT_CREATED->PAYMENT_COMPLETED",
]);
// Possible later, once the missing predecessor is recorded.
const EARLY = new Set([
	"ORDER_CREATED->PAYMENT_CREATED",
	"ORDER_CREATED->PAYMENT_FAILED",
	"ORDER_CREATED->PAYMENT_COMPLETED",
	"RESERVE_CREATED->PAYMENT_COMPLETED",
]);

const source = (offset: number): MessageSource => ({
	topic: "t-state-test",
	partition: 0,
	offset: String(offset),
	key: null,
	value: Buffer.from("{}").toString("base64"),
	headers: {},
});

describe("state service", () => {
	let broker: ServiceBroker;
	let pool: Pool;
	const apply = (order_id: number, state: OrderState, idempotent_key: string = randomUUID(), extra: Partial<ApplyRequest> = {}) =>
		broker.call<ApplyOutcome, ApplyRequest>("state.apply", { order_id, state, idempotent_key, ...extra });

	beforeAll(async () => {
		pool = testPool();
		broker = await startNode(["state"]);
	});
	afterAll(async () => {
		await broker?.stop();
		await pool?.end();
	});

	const pairs = ORDER_STATES.flatMap((from) => ORDER_STATES.map((to) => [from, to] as const));
	it.each(pairs)("from %s, %s", async (from, to) => {
		const orderId = await createOrder(pool, PATH[from]);
		const before = await historyOf(pool, orderId);
		const outcome = await apply(orderId, to);
		const after = await historyOf(pool, orderId);
		if (ALLOWED.has(`${from}->${to}`)) {
			expect(outcome).toEqual({ result: "applied" });
			expect(after).toEqual({ states: [...before.states, to], current: to });
		} else {
			expect(outcome).toEqual(EARLY.has(`${from}->${to}`) ? { result: "early" } : { result: "rejected", reason: "invalid_transition" });
			expect(after).toEqual(before);
		}
	});

	it("answers duplicate for the same key and state, and records the state once", async () => {
		const orderId = await createOrder(pool);
		const key = randomUUID();
		expect(await apply(orderId, "RESERVE_CREATED", key)).toEqual({ result: "applied" });
		expect(await apply(orderId, "RESERVE_CREATED", key)).toEqual({ result: "duplicate" });
		expect(await apply(orderId, "RESERVE_CREATED", key.toUpperCase())).toEqual({ result: "duplicate" });
		expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
	});

	it("rejects the same key with another state as idempotency_conflict", async () => {
		const orderId = await createOrder(pool);
		const key = randomUUID();
		await apply(orderId, "RESERVE_CREATED", key);
		expect(await apply(orderId, "PAYMENT_CREATED", key)).toEqual({ result: "rejected", reason: "idempotency_conflict" });
		expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
	});

	it("lets another order reuse a key", async () => {
		const [first, second] = [await createOrder(pool), await createOrder(pool)];
		const key = randomUUID();
		expect(await apply(first, "RESERVE_FAILED", key)).toEqual({ result: "applied" });
		expect(await apply(second, "RESERVE_CREATED", key)).toEqual({ result: "applied" });
	});

	it("rejects an unknown order", async () => {
		expect(await apply(await unknownOrderId(pool), "RESERVE_CREATED")).toEqual({ result: "rejected", reason: "unknown_order" });
	});

	it("refuses a malformed request", async () => {
		const orderId = await createOrder(pool);
		await expect(apply(orderId, "SHIPPED" as OrderState)).rejects.toMatchObject({ name: "ValidationError" });
		await expect(apply(orderId, "RESERVE_CREATED", "not-a-uuid")).rejects.toMatchObject({ name: "ValidationError" });
	});

	it("gives exactly one winner among 20 concurrent sibling states", async () => {
		const orderId = await createOrder(pool);
		const states: OrderState[] = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? "RESERVE_CREATED" : "RESERVE_FAILED"));
		const outcomes = await Promise.all(states.map((state) => apply(orderId, state)));
		const winners = outcomes.flatMap((o, i) => (o.result === "applied" ? [states[i]] : []));
		expect(winners).toHaveLength(1);
		expect(outcomes.filter((o) => o.result !== "applied")).toEqual(Array(19).fill({ result: "rejected", reason: "invalid_transition" }));
		expect(await historyOf(pool, orderId)).toEqual({ states: ["ORDER_CREATED", winners[0]], current: winners[0] });
	});

	it("parks an early message with a source and applies it, in order, once its predecessor is recorded", async () => {
		const orderId = await createOrder(pool);
		const completed = randomUUID();
		expect(await apply(orderId, "PAYMENT_COMPLETED", completed, { source: source(3) })).toEqual({ result: "parked" });
		expect(await apply(orderId, "PAYMENT_CREATED", randomUUID(), { source: source(2) })).toEqual({ result: "parked" });
		// A redelivered parked message is a duplicate; its key with another state a conflict.
		expect(await apply(orderId, "PAYMENT_COMPLETED", completed, { source: source(3) })).toEqual({ result: "duplicate" });
		expect(await apply(orderId, "PAYMENT_FAILED", completed, { source: source(3) })).toEqual({ result: "rejected", reason: "idempotency_conflict" });
		expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED"]);

		expect(await apply(orderId, "RESERVE_CREATED")).toEqual({ result: "applied" });
		expect(await historyOf(pool, orderId)).toEqual({
			states: ["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"],
			current: "PAYMENT_COMPLETED",
		});
		const parked = await pool.query("SELECT 1 FROM parked_messages WHERE order_id = $1", [orderId]);
		expect(parked.rowCount).toBe(0);
		expect(await apply(orderId, "PAYMENT_COMPLETED", completed)).toEqual({ result: "duplicate" });
		// Each applied key keeps where its message was read: the parked ones their parked source, one without a source none.
		const sources = await pool.query(
			"SELECT state, source_topic, source_partition, source_offset::text FROM applied_messages WHERE order_id = $1 ORDER BY source_offset NULLS FIRST",
			[orderId],
		);
		expect(sources.rows).toEqual([
			{ state: "RESERVE_CREATED", source_topic: null, source_partition: null, source_offset: null },
			{ state: "PAYMENT_CREATED", source_topic: "t-state-test", source_partition: 0, source_offset: "2" },
			{ state: "PAYMENT_COMPLETED", source_topic: "t-state-test", source_partition: 0, source_offset: "3" },
		]);
	});

	it("answers early for an early message sent by its position alone, as a listener first sends it, and stores nothing for it", async () => {
		const orderId = await createOrder(pool);
		const request: ApplyRequest = { order_id: orderId, state: "PAYMENT_CREATED", idempotent_key: randomUUID() };
		const position = { topic: "t-state-test", partition: 0, offset: "7" };
		const batch = (messages: ApplyRequest[]) => broker.call<{ outcomes: ApplyOutcome[] }, { messages: ApplyRequest[] }>("state.applyBatch", { messages });
		expect(await batch([{ ...request, source: position }])).toEqual({ outcomes: [{ result: "early" }] });
		const stored = async (table: string) => (await pool.query(`SELECT 1 FROM ${table} WHERE order_id = $1`, [orderId])).rowCount;
		expect([await stored("parked_messages"), await stored("applied_messages")]).toEqual([0, 0]);
		expect(await historyOf(pool, orderId)).toEqual({ states: ["ORDER_CREATED"], current: "ORDER_CREATED" });
		// Sent again whole, as the listener then sends it: parked, not taken for a duplicate.
		expect(await batch([{ ...request, source: source(7) }])).toEqual({ outcomes: [{ result: "parked" }] });
		expect(await stored("parked_messages")).toBe(1);
	});

	it("decides a batch in order, in one call", async () => {
		const orderId = await createOrder(pool);
		const other = await createOrder(pool);
		const dup = randomUUID();
		const messages: ApplyRequest[] = [
			{ order_id: orderId, state: "PAYMENT_CREATED", idempotent_key: randomUUID(), source: source(10) },
			{ order_id: other, state: "RESERVE_FAILED", idempotent_key: dup },
			{ order_id: orderId, state: "RESERVE_CREATED", idempotent_key: randomUUID() },
			{ order_id: other, state: "RESERVE_FAILED", idempotent_key: dup },
			{ order_id: other, state: "RESERVE_CREATED", idempotent_key: randomUUID() },
			{ order_id: await unknownOrderId(pool), state: "RESERVE_CREATED", idempotent_key: randomUUID() },
		];
		const { outcomes } = await broker.call<{ outcomes: ApplyOutcome[] }, { messages: ApplyRequest[] }>("state.applyBatch", { messages });
		expect(outcomes).toEqual([
			{ result: "applied" }, // parked, then applied by the RESERVE_CREATED of this same batch
			{ result: "applied" },
			{ result: "applied" },
			{ result: "duplicate" },
			{ result: "rejected", reason: "invalid_transition" },
			{ result: "rejected", reason: "unknown_order" },
		]);
		expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED"]);
		expect((await historyOf(pool, other)).states).toEqual(["ORDER_CREATED", "RESERVE_FAILED"]);
		expect((await pool.query("SELECT 1 FROM parked_messages WHERE order_id = $1", [orderId])).rowCount).toBe(0);
	});

	it("finds each redelivered key of a batch among the applied ones (by order and key, any spelling), next to keys of other orders", async () => {
		const [first, second] = [await createOrder(pool), await createOrder(pool)];
		const [reserved, failed] = [randomUUID(), randomUUID()];
		await apply(first, "RESERVE_CREATED", reserved);
		const messages: ApplyRequest[] = [
			// The same key on another order is another message.
			{ order_id: second, state: "RESERVE_FAILED", idempotent_key: reserved },
			{ order_id: first, state: "RESERVE_CREATED", idempotent_key: reserved.toUpperCase() },
			{ order_id: first, state: "RESERVE_FAILED", idempotent_key: reserved },
			{ order_id: first, state: "PAYMENT_FAILED", idempotent_key: failed },
		];
		const { outcomes } = await broker.call<{ outcomes: ApplyOutcome[] }, { messages: ApplyRequest[] }>("state.applyBatch", { messages });
		expect(outcomes).toEqual([
			{ result: "applied" },
			{ result: "duplicate" },
			{ result: "rejected", reason: "idempotency_conflict" },
			{ result: "applied" },
		]);
		expect((await historyOf(pool, first)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_FAILED"]);
		expect((await historyOf(pool, second)).states).toEqual(["ORDER_CREATED", "RESERVE_FAILED"]);
	});

	it("prunes applied keys older than the retention, and only those", async () => {
		const orderId = await createOrder(pool);
		const [old, fresh] = [randomUUID(), randomUUID()];
		await apply(orderId, "RESERVE_CREATED", old);
		await apply(orderId, "PAYMENT_CREATED", fresh);
		await pool.query("UPDATE applied_messages SET applied_at = now() - interval '8 days' WHERE order_id = $1 AND idempotent_key = $2", [orderId, old]);
		const { deleted } = await broker.call<{ deleted: number }>("state.pruneAppliedKeys");
		expect(deleted).toBeGreaterThanOrEqual(1);
		const left = await pool.query<{ idempotent_key: string }>("SELECT idempotent_key FROM applied_messages WHERE order_id = $1", [orderId]);
		expect(left.rows.map((r) => r.idempotent_key)).toEqual([fresh]);
	});
});
