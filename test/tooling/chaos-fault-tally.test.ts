import type { PlayedPart } from "../../dev/chaos/faults";
import { tallyFaults } from "../../dev/chaos/fault-tally";
import { partName, type FaultPart, type PlannedFault } from "../../dev/chaos/schedule";

const WINDOW_MS = 10_000;

const kill: FaultPart = { kill: "relay", afterMs: 0 };
const cut: FaultPart = { cut: "kafka", ms: 4_000 };
const outage: FaultPart = { outage: "reserve-listener", ms: 15_000 };

/** The plan: a kill, a cut combined with a second kill, an outage. */
const plan: PlannedFault[] = [
	{ at: 0, parts: [kill] },
	{ at: 1, parts: [cut, kill] },
	{ at: 2, parts: [outage] },
];

/** A part as played, 1 s long unless an outage says otherwise. */
const played = (part: FaultPart, evidence: Partial<PlayedPart> = {}): PlayedPart => ({ part, name: partName(part), start: 0, end: 1_000, what: partName(part), ...evidence });

/** Every planned part happened. */
const all = (): PlayedPart[] => [played(kill), played(cut, { refused: 12 }), played(kill), played(outage, { end: 16_000, members: 0 })];

const broken = (parts: PlayedPart[]) => tallyFaults(plan, parts, WINDOW_MS).checks.filter((c) => !c.ok).map((c) => c.name);

describe("the faults a run made", () => {
	it("counts every kind, planned and made, with what shows each happened", () => {
		const parts = all();
		parts[0] = played(kill, { skipped: true });
		expect(tallyFaults(plan, parts, WINDOW_MS).kinds).toEqual([
			{ kind: "cut kafka", planned: 1, made: 1, skipped: 0, refused: 12, longestMs: 0 },
			{ kind: "kill relay", planned: 2, made: 1, skipped: 1, refused: 0, longestMs: 0 },
			{ kind: "outage reserve-listener", planned: 1, made: 1, skipped: 0, refused: 0, longestMs: 16_000 },
		]);
		// One of two kills skipped: the kind was still killed.
		expect(broken(parts)).toEqual([]);
	});

	it("fails when a planned kind was never made: every kill of it skipped", () => {
		const parts = all();
		parts[0] = played(kill, { skipped: true });
		parts[2] = played(kill, { skipped: true });
		expect(broken(parts)).toEqual(["every planned fault kind made"]);
		expect(tallyFaults(plan, parts, WINDOW_MS).checks[0].detail).toContain("kill relay");
	});

	it("fails when a planned kind was never played at all", () => {
		expect(broken(all().filter((p) => !("outage" in p.part)))).toEqual(["every planned fault kind made"]);
	});

	it("fails on a cut that refused no connection", () => {
		const parts = all();
		parts[1] = played(cut, { refused: 0 });
		expect(broken(parts)).toEqual(["every planned fault kind made", "every cut refused a connection; every listener outage emptied its group past the window"]);
	});

	it.each([
		["a member left in its group", { end: 16_000, members: 1 }],
		["no longer than the window", { end: WINDOW_MS, members: 0 }],
	])("fails on a listener outage with %s", (_, evidence) => {
		const parts = all();
		parts[3] = played(outage, evidence);
		expect(broken(parts)).toEqual(["every planned fault kind made", "every cut refused a connection; every listener outage emptied its group past the window"]);
	});
});
