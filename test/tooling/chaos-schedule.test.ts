import { LAYOUTS, type NodeKind } from "../../dev/chaos/layout";
import { seeded } from "../../dev/chaos/random";
import { CHAOS_OUT_OF_ORDER_WINDOW_MS, DEPENDENCIES, faultName, LISTENERS, planFaults } from "../../dev/chaos/schedule";

const plan = (seed: number, minutes: number, layout: NodeKind[] = LAYOUTS.full) => planFaults({ durationMs: minutes * 60_000, layout, random: seeded(seed) });

describe("the fault plan", () => {
	it("replays from its seed and differs between seeds", () => {
		expect(plan(7, 10)).toEqual(plan(7, 10));
		expect(plan(7, 10)).not.toEqual(plan(8, 10));
	});

	it.each([
		["full", 10],
		["compact", 2],
	] as const)("kills every node kind, cuts every dependency, combines faults and takes each listener away (%s layout, %d min)", (layout, minutes) => {
		const faults = plan(3, minutes, LAYOUTS[layout]);
		const parts = faults.flatMap((f) => f.parts);
		for (const { kind } of LAYOUTS[layout]) expect(parts).toContainEqual(expect.objectContaining({ kill: kind }));
		for (const dependency of DEPENDENCIES) expect(parts).toContainEqual(expect.objectContaining({ cut: dependency }));
		const names = faults.map(faultName);
		expect(names.filter((n) => n.includes(" + ")).length).toBeGreaterThanOrEqual(3);
		expect(names).toContain(`cut postgres + kill ${layout === "full" ? "orders" : "front"}`);
		for (const listener of LISTENERS) expect(names.filter((n) => n === `outage ${listener}`)).toHaveLength(1);
	});

	it("makes every listener outage longer than the run's out-of-order window", () => {
		for (const seed of [1, 2, 3, 4, 5]) {
			const outages = plan(seed, 10).flatMap((f) => f.parts.flatMap((p) => ("outage" in p ? [p.ms] : [])));
			expect(outages).toHaveLength(LISTENERS.length);
			for (const ms of outages) expect(ms).toBeGreaterThan(CHAOS_OUT_OF_ORDER_WINDOW_MS);
		}
	});

	it("places faults in order inside the load, leaving its start and end quiet", () => {
		const durationMs = 10 * 60_000;
		const ats = plan(11, 10).map((f) => f.at);
		expect(ats).toEqual([...ats].sort((a, b) => a - b));
		expect(Math.min(...ats)).toBeGreaterThanOrEqual(0.1 * durationMs);
		expect(Math.max(...ats)).toBeLessThan(0.8 * durationMs);
	});

	it("grows with the run: one fault per 20 s of load beyond the required set", () => {
		expect(plan(5, 10).length).toBe(30);
		// compact: 3 kills, 3 cuts, 3 combined, 2 outages
		expect(plan(5, 2, LAYOUTS.compact).length).toBe(11);
	});
});
