import type { TcpProxy } from "../../dev/cluster/tcp-proxy";
import type { ChaosCluster } from "../../dev/chaos/chaos-cluster";
import { playFaults } from "../../dev/chaos/faults";
import type { Dependency, PlannedFault } from "../../dev/chaos/schedule";

/** A proxy that only records whether it is cut. */
function proxy(): TcpProxy & { cuts: number; down: boolean } {
	return {
		port: 0,
		refused: 0,
		cuts: 0,
		down: false,
		cut() {
			this.cuts++;
			this.down = true;
		},
		stall() {},
		restore() {
			this.down = false;
		},
		close: async () => undefined,
	};
}

/** A cluster whose "front" twin never runs again in time: its kills are skipped (null). */
function cluster(killed: string[]): ChaosCluster {
	return {
		gatewayPorts: [],
		restartTimes: [],
		crashes: [],
		kill: async (kind) => (kind === "front" ? null : (killed.push(kind), `${kind}-a-1`)),
		settle: async () => undefined,
		stop: async () => undefined,
	};
}

describe("playing the fault plan", () => {
	it("counts a kill whose twin does not run as skipped, not as a fault to recover from, and still plays the cut beside it", async () => {
		const proxies: Record<Dependency, ReturnType<typeof proxy>> = { postgres: proxy(), redis: proxy(), kafka: proxy() };
		const killed: string[] = [];
		const plan: PlannedFault[] = [
			{ at: 0, parts: [{ kill: "front", afterMs: 0 }] },
			{ at: 0, parts: [{ cut: "postgres", ms: 1 }, { kill: "front", afterMs: 0 }] },
			{ at: 0, parts: [{ kill: "relay", afterMs: 0 }] },
		];
		const played = await playFaults(plan, Date.now(), { cluster: cluster(killed), proxies, random: () => 0, log: () => undefined, signal: new AbortController().signal });
		expect(played.skippedKills).toBe(2);
		expect(played.windows.map((w) => w.name)).toEqual(["cut postgres", "kill relay"]);
		expect(killed).toEqual(["relay"]);
		expect(proxies.postgres).toMatchObject({ cuts: 1, down: false });
	});
});
