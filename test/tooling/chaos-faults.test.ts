import type { TcpProxy } from "../../dev/cluster/tcp-proxy";
import type { ChaosCluster } from "../../dev/chaos/chaos-cluster";
import { playFaults } from "../../dev/chaos/faults";
import type { Dependency, PlannedFault } from "../../dev/chaos/schedule";

/** A proxy that records whether it is cut, and refuses `knocks` connections during each cut. */
function proxy(knocks: number): TcpProxy & { cuts: number; down: boolean } {
	return {
		port: 0,
		refused: 0,
		cuts: 0,
		down: false,
		cut() {
			this.cuts++;
			this.down = true;
			this.refused = knocks;
		},
		stall() {},
		restore() {
			this.down = false;
		},
		close: async () => undefined,
	};
}

/** A cluster whose "front" twin never runs again in time (its kills are skipped: null), and that logs what it is asked. */
function cluster(calls: string[]): ChaosCluster {
	return {
		gatewayPorts: [],
		restartTimes: [],
		crashes: [],
		kill: async (kind) => (kind === "front" ? null : (calls.push(`kill ${kind}`), `${kind}-a-1`)),
		takeAway: async (service) => (calls.push(`take away ${service}`), Date.now()),
		giveBack: async (service) => (calls.push(`give back ${service}`), Date.now()),
		settle: async () => undefined,
		stop: async () => undefined,
	};
}

const targets = (calls: string[], proxies: Record<Dependency, TcpProxy>) => ({
	cluster: cluster(calls),
	proxies,
	groupMembers: async (listener: string) => (calls.push(`members of ${listener}`), 0),
	random: () => 0,
	log: () => undefined,
	signal: new AbortController().signal,
});

describe("playing the fault plan", () => {
	it("counts a kill whose twin does not run as skipped, not as a fault to recover from, and still plays the cut beside it", async () => {
		const proxies: Record<Dependency, ReturnType<typeof proxy>> = { postgres: proxy(3), redis: proxy(0), kafka: proxy(0) };
		const calls: string[] = [];
		const plan: PlannedFault[] = [
			{ at: 0, parts: [{ kill: "front", afterMs: 0 }] },
			{ at: 0, parts: [{ cut: "postgres", ms: 1 }, { kill: "front", afterMs: 0 }] },
			{ at: 0, parts: [{ kill: "relay", afterMs: 0 }] },
		];
		const played = await playFaults(plan, Date.now(), targets(calls, proxies));
		expect(played.parts.map((p) => [p.name, p.skipped ?? false])).toEqual([
			["kill front", true],
			["cut postgres", false],
			["kill front", true],
			["kill relay", false],
		]);
		expect(played.windows.map((w) => w.name)).toEqual(["cut postgres", "kill relay"]);
		expect(calls).toEqual(["kill relay"]);
		expect(proxies.postgres).toMatchObject({ cuts: 1, down: false });
	});

	it("records the connections a cut refused", async () => {
		const proxies = { postgres: proxy(0), redis: proxy(0), kafka: proxy(7) };
		const played = await playFaults([{ at: 0, parts: [{ cut: "kafka", ms: 1 }] }], Date.now(), targets([], proxies));
		expect(played.parts).toEqual([expect.objectContaining({ name: "cut kafka", refused: 7 })]);
	});

	it("takes a listener away for the outage, reads its group before giving it back, and makes the outage a fault to recover from", async () => {
		const calls: string[] = [];
		const plan: PlannedFault[] = [{ at: 0, parts: [{ outage: "reserve-listener", ms: 30 }] }];
		const played = await playFaults(plan, Date.now(), targets(calls, { postgres: proxy(0), redis: proxy(0), kafka: proxy(0) }));
		expect(calls).toEqual(["take away reserve-listener", "members of reserve-listener", "give back reserve-listener"]);
		const [part] = played.parts;
		expect(part).toMatchObject({ name: "outage reserve-listener", members: 0 });
		expect(part.end - part.start).toBeGreaterThanOrEqual(30);
		expect(played.windows).toEqual([{ name: "outage reserve-listener", start: part.start, end: part.end }]);
	});

	it("waits for a member a killed node left behind to time out before giving the listener back", async () => {
		const calls: string[] = [];
		const left = [1, 1, 0];
		const plan: PlannedFault[] = [{ at: 0, parts: [{ outage: "payment-listener", ms: 1 }] }];
		const played = await playFaults(plan, Date.now(), {
			...targets(calls, { postgres: proxy(0), redis: proxy(0), kafka: proxy(0) }),
			groupMembers: async () => left.shift() ?? 0,
		});
		expect(left).toEqual([]);
		expect(played.parts[0].members).toBe(0);
		expect(calls).toEqual(["take away payment-listener", "give back payment-listener"]);
	});
});
