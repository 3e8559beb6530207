/**
 * The short fault run (docs/chaos.md): a compact cluster of processes (every
 * service on two nodes) under steady REST creates for 2 minutes while nodes of
 * every kind are SIGKILLed, PostgreSQL, Redis and Kafka are cut through the
 * run's proxies, alone and together, and each listener is away for longer than
 * the out-of-order window. Fails on any broken invariant, checked from the
 * database and the topics, on any dead letter, and on a planned fault that did
 * not happen. The run owns a private database, broker and namespace, and
 * cleans them up.
 */
import { randomInt } from "node:crypto";
import { runChaos } from "../../dev/chaos/run";
import { loadConfig } from "../../lib/platform/config/config";
import { TEST_DATABASE_URL } from "../support/test-env";

/** Failure guard: set-up, 2 minutes of load, restarts and the wait for quiet on 2 shared cores. */
jest.setTimeout(1_200_000);

test("2 minutes of faults of every kind: nothing lost, nothing doubled, no dead letter, every invariant holds", async () => {
	const seed = Number(process.env.CHAOS_SEED ?? randomInt(2 ** 31));
	const verdict = await runChaos({
		minutes: 2,
		rate: 5,
		seed,
		layout: "compact",
		databaseUrl: TEST_DATABASE_URL,
		redisUrl: loadConfig().redisUrl,
		log: () => undefined,
	});
	console.log(`${verdict.table}\nreplay with CHAOS_SEED=${seed}`);
	expect(verdict.checks.filter((c) => !c.ok)).toEqual([]);
	expect(verdict.figures.created).toBeGreaterThan(0);
	expect(verdict.figures.lost + verdict.figures.doubled).toBe(0);
});
