/**
 * The stuck monitor's lease does not make one node wait for another's tick: while
 * a tick of node A is under way (its transaction open), node B's claim answers at
 * once that it has no lease, where it used to wait on A's row lock for as long as
 * A's tick ran (and a node's start waits for its first tick). Real PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import type { Sequelize, Transaction } from "sequelize";
import { createSequelize } from "../../lib/platform/clients/database";
import { claimLease } from "../../lib/orders/stuck-monitor-store";
import { TEST_DATABASE_URL } from "../support/test-env";

const namespace = `lease-test-${randomUUID().slice(0, 8)}`;
const lease = (nodeId: string) => ({ namespace, nodeId, ms: 60_000 });

/** The claim's answer, or "waited" when it has none within `ms`. */
async function claimWithin(db: Sequelize, nodeId: string, ms: number): Promise<number | null | "waited"> {
	const transaction = await db.transaction();
	let timer: NodeJS.Timeout | undefined;
	const waited = new Promise<"waited">((done) => (timer = setTimeout(() => done("waited"), ms)));
	try {
		return await Promise.race([claimLease(db, transaction, lease(nodeId)), waited]);
	} finally {
		clearTimeout(timer);
		await transaction.rollback();
	}
}

describe("the stuck monitor's lease", () => {
	let db: Sequelize;
	let tickOfA: Transaction | undefined;

	beforeAll(() => {
		db = createSequelize(TEST_DATABASE_URL, 3);
	});

	afterAll(async () => {
		await tickOfA?.rollback().catch(() => undefined);
		await db.query("DELETE FROM stuck_monitor WHERE namespace = $1", { bind: [namespace] });
		await db.close();
	});

	it("a node claiming while another node's tick runs gets no lease, without waiting for that tick", async () => {
		tickOfA = await db.transaction();
		expect(await claimLease(db, tickOfA, lease("a"))).toEqual(expect.any(Number));

		expect(await claimWithin(db, "b", 3_000)).toBeNull();

		await tickOfA.commit();
		tickOfA = undefined;
		// A holds the lease after its tick; A renews it, B still gets none.
		expect(await claimWithin(db, "a", 3_000)).toEqual(expect.any(Number));
		expect(await claimWithin(db, "b", 3_000)).toBeNull();
	});
});
