/**
 * GET /api/health under a burst: the node answers from the connections it keeps
 * (its one database pool, which the burst grows by at most the one connection
 * of the check in flight) and concurrent requests share the check in flight or
 * its fresh result.
 */
import { nodeApplicationName } from "../../lib/platform/clients/shared-database";
import { http, useRestNode } from "./rest-support";

const BURST = 25;

interface Health {
	status: string;
	checked_at: string;
}

const held = useRestNode();

/** The node's pool connections as PostgreSQL sees them. */
const nodeBackends = async (): Promise<Array<{ pid: number }>> =>
	(await held.db.query("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [nodeApplicationName(held.node.broker)])).rows;

it(`answers ${BURST} concurrent requests from the node's pool and at most two checks`, async () => {
	expect((await http<Health>(`${held.node.base}/health`)).status).toBe(200);
	const before = await nodeBackends();
	expect(before.length).toBeGreaterThanOrEqual(1);

	const sampled: number[] = [];
	const burst = Promise.all(Array.from({ length: BURST }, () => http<Health>(`${held.node.base}/health`)));
	// Sampled while the burst runs.
	const sampling = (async () => {
		for (let i = 0; i < 5; i++) sampled.push((await nodeBackends()).length);
	})();
	const [answers] = await Promise.all([burst, sampling]);

	expect(answers.map((a) => a.status)).toEqual(Array(BURST).fill(200));
	// The result cached when the burst began, and at most one fresh check after it.
	expect(new Set(answers.map((a) => a.body.checked_at)).size).toBeLessThanOrEqual(2);
	// Without the shared check, 25 concurrent checks would take the whole pool; the node's other services may take one more meanwhile.
	expect(Math.max(...sampled)).toBeLessThanOrEqual(before.length + 1);
});
