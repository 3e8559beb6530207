/**
 * Two batches for the same order at once, as two listener nodes (reserve and
 * payment) send them: the second waits for the first's lock and must then decide
 * against what the first committed. A statement's snapshot is taken when it
 * starts, so one that read the history while it waited for the lock would see
 * the order without the first batch's state and park a message that can follow.
 */
import { randomUUID } from "node:crypto";
import type { Pool } from "pg";
import type { Sequelize } from "sequelize";
import type { OrderState } from "../../domain/order-state";
import type { ApplyRequest, MessageSource } from "../../domain/state-batch";
import { createSequelize } from "../../lib/platform/clients/database";
import { applyBatch } from "../../lib/state/state-store";
import { createOrder, historyOf, testPool } from "../support/orders-fixture";
import { TEST_DATABASE_URL } from "../support/test-env";
import { waitFor } from "../support/wait";

const source = (offset: number): MessageSource => ({ topic: "t-concurrency", partition: 0, offset: String(offset), key: null, value: "e30=", headers: {} });
const request = (order_id: number, state: OrderState, offset: number): ApplyRequest => ({ order_id, state, idempotent_key: randomUUID(), source: source(offset) });

describe("the state store under two batches of one order at once", () => {
	let db: Sequelize;
	let pool: Pool;

	beforeAll(() => {
		db = createSequelize(TEST_DATABASE_URL, 4, { applicationName: "state-store-concurrency" });
		pool = testPool();
	});
	afterAll(async () => {
		await db.close();
		await pool.end();
	});

	/** True once a statement of this test's pool waits for a row lock. */
	const waitsForLock = async () =>
		(await pool.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'state-store-concurrency' AND wait_event_type = 'Lock'")).rowCount! > 0;

	it("applies a state whose predecessor the lock holder recorded, instead of parking it", async () => {
		const orderId = await createOrder(pool);
		const first = await db.transaction();
		await applyBatch(db, [request(orderId, "RESERVE_CREATED", 1)], first);
		const second = applyBatch(db, [request(orderId, "PAYMENT_CREATED", 2)]);
		await waitFor(async () => ((await waitsForLock()) ? true : undefined), "the second batch to wait for the lock", 10_000);
		await first.commit();
		expect((await second).outcomes).toEqual([{ result: "applied" }]);
		expect(await historyOf(pool, orderId)).toEqual({ states: ["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED"], current: "PAYMENT_CREATED" });
	});

	it("applies a message the lock holder parked once its predecessor comes, with the next batch", async () => {
		const orderId = await createOrder(pool);
		const first = await db.transaction();
		await applyBatch(db, [request(orderId, "PAYMENT_CREATED", 3)], first);
		const second = applyBatch(db, [request(orderId, "RESERVE_CREATED", 4)]);
		await waitFor(async () => ((await waitsForLock()) ? true : undefined), "the second batch to wait for the lock", 10_000);
		await first.commit();
		expect((await second).outcomes).toEqual([{ result: "applied" }]);
		expect(await historyOf(pool, orderId)).toEqual({ states: ["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED"], current: "PAYMENT_CREATED" });
	});
});
