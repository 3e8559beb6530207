/**
 * GET /api/health under a burst: the node answers from the connections it keeps
 * (one PostgreSQL connection, the same before and after) and concurrent requests
 * share the check in flight or its fresh result.
 */
import { healthApplicationName } from "../../lib/platform/observability/health";
import { http, useRestNode } from "./rest-support";

const BURST = 25;

interface Health {
	status: string;
	checked_at: string;
}

const held = useRestNode();

/** The node's health connections as PostgreSQL sees them. */
const healthBackends = async (): Promise<Array<{ pid: number; backend_start: string }>> =>
	(await held.db.query("SELECT pid, backend_start::text FROM pg_stat_activity WHERE application_name = $1", [healthApplicationName(held.node.broker)])).rows;

it(`answers ${BURST} concurrent requests over one kept PostgreSQL connection and at most two checks`, async () => {
	expect((await http<Health>(`${held.node.base}/health`)).status).toBe(200);
	const before = await healthBackends();
	expect(before).toHaveLength(1);

	const sampled: number[] = [];
	const burst = Promise.all(Array.from({ length: BURST }, () => http<Health>(`${held.node.base}/health`)));
	// Sampled while the burst runs: it never has a second connection open.
	const sampling = (async () => {
		for (let i = 0; i < 5; i++) sampled.push((await healthBackends()).length);
	})();
	const [answers] = await Promise.all([burst, sampling]);

	expect(answers.map((a) => a.status)).toEqual(Array(BURST).fill(200));
	// The result cached when the burst began, and at most one fresh check after it.
	expect(new Set(answers.map((a) => a.body.checked_at)).size).toBeLessThanOrEqual(2);
	expect(Math.max(...sampled)).toBeLessThanOrEqual(1);
	expect(await healthBackends()).toEqual(before);
});
