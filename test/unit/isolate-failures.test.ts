/** Finding the items that fail a batch, by halving. */
import { isolateFailures } from "../../lib/listeners/isolate-failures";

class Outage extends Error {}

/** A batch run that fails as a whole when it holds a bad item, as one database transaction does. */
function batchRun(bad: Set<number>) {
	const runs: number[][] = [];
	const run = async (items: number[]) => {
		runs.push(items);
		const culprit = items.find((i) => bad.has(i));
		if (culprit !== undefined) throw new Error(`item ${culprit} refused`);
		return items.map((i) => i * 10);
	};
	return { run, runs };
}

describe("isolateFailures", () => {
	it("returns every result when the batch succeeds, in one run", async () => {
		const { run, runs } = batchRun(new Set());
		expect(await isolateFailures([1, 2, 3], run, () => false)).toEqual([10, 20, 30].map((value) => ({ ok: true, value })));
		expect(runs).toHaveLength(1);
	});

	it("singles out each bad item, keeps the others' results in order, and every good item runs in a successful run", async () => {
		const items = Array.from({ length: 100 }, (_, i) => i);
		const { run, runs } = batchRun(new Set([7, 64]));
		const result = await isolateFailures(items, run, () => false);
		expect(result.filter((r) => !r.ok)).toEqual([
			{ ok: false, error: new Error("item 7 refused") },
			{ ok: false, error: new Error("item 64 refused") },
		]);
		expect(result.map((r, i) => (r.ok ? r.value : -i))).toEqual(items.map((i) => (i === 7 || i === 64 ? -i : i * 10)));
		// Halving, not one item at a time: about 2·k·log2(n) runs.
		expect(runs.length).toBeLessThanOrEqual(2 * 2 * Math.ceil(Math.log2(items.length)) + 1);
	});

	it("rethrows a fatal error at once instead of blaming an item", async () => {
		let calls = 0;
		const run = async () => {
			calls++;
			throw new Outage("database away");
		};
		await expect(isolateFailures([1, 2, 3, 4], run, (err) => err instanceof Outage)).rejects.toThrow("database away");
		expect(calls).toBe(1);
	});
});
