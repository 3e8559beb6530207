/**
 * /live and /ready on PROBE_PORT, as an orchestrator polls them: ready only once
 * the node's services run and the dependencies it uses answer; a node whose
 * PostgreSQL goes away (cut through a TCP proxy, the shared server untouched)
 * answers 503 naming it, and 200 again once it is back.
 */
import type { ServiceBroker } from "moleculer";
import { createNode } from "../../wiring/create-node";
import { loadConfig } from "../../lib/platform/config/config";
import { startProbes, type Probes } from "../../lib/platform/observability/probes";
import { freePort } from "../../dev/cluster/ports";
import { nodeProcesses } from "../../dev/cluster/processes";
import { startTcpProxy, type TcpProxy } from "../../dev/cluster/tcp-proxy";
import { TEST_DATABASE_URL } from "../support/test-env";
import { waitFor } from "../support/wait";

interface ProbeAnswer {
	status: number;
	body: { status: string; not_ready?: string[]; checks?: Record<string, string> };
}

describe("liveness and readiness probes", () => {
	let proxy: TcpProxy;
	let broker: ServiceBroker;
	let probes: Probes;
	const before = { DATABASE_URL: process.env.DATABASE_URL, PROBES: process.env.PROBES, PROBE_PORT: process.env.PROBE_PORT };

	beforeAll(async () => {
		const database = new URL(TEST_DATABASE_URL);
		proxy = await startTcpProxy(database.hostname, Number(database.port || 5432));
		database.port = String(proxy.port);
		// The state service reads DATABASE_URL when it loads: through the proxy from the start.
		Object.assign(process.env, { DATABASE_URL: database.toString(), PROBES: "on", PROBE_PORT: String(await freePort()) });
		const cfg = loadConfig();
		broker = createNode(cfg, ["state"]);
		probes = await startProbes(broker, cfg);
	});
	afterAll(async () => {
		await broker?.stop();
		await probes?.close();
		await proxy?.close();
		// Node processes started later in this file inherit the environment: not the closed proxy.
		for (const [name, value] of Object.entries(before)) {
			if (value === undefined) delete process.env[name];
			else process.env[name] = value;
		}
	});

	const probe = async (path: string): Promise<ProbeAnswer> => {
		const res = await fetch(`http://127.0.0.1:${probes.port}${path}`);
		expect(res.headers.get("content-type")).toMatch(/^application\/json/);
		return { status: res.status, body: (await res.json()) as ProbeAnswer["body"] };
	};

	it("follows a node through start-up (live, not ready), running (ready) and a PostgreSQL outage (503 naming it)", async () => {
		expect((await probe("/live")).status).toBe(200);
		const starting = await probe("/ready");
		expect(starting.status).toBe(503);
		expect(starting.body.not_ready).toContain("services");

		await broker.start();
		const ready = await probe("/ready");
		expect(ready).toMatchObject({ status: 200, body: { status: "ready", not_ready: [] } });
		// Only what this node uses: a state node has no Kafka check.
		expect(ready.body.checks).toEqual({ services: "up", transporter: "up", postgresql: "up" });

		proxy.cut();
		// Checks are shared for up to a second: the outage shows on the next fresh one.
		const down = await waitFor(async () => {
			const answer = await probe("/ready");
			return answer.status === 503 ? answer : undefined;
		}, "not ready");
		expect(down.body.not_ready).toEqual(["postgresql"]);
		expect(down.body.checks?.postgresql).toMatch(/PostgreSQL/);
		expect((await probe("/live")).status).toBe(200);
		proxy.restore();
		await waitFor(async () => ((await probe("/ready")).status === 200 ? true : undefined), "ready again");
	});

	it("takes PROBE_PORT and PROBES from the environment, refusing bad values with one line", () => {
		expect(loadConfig({})).toMatchObject({ probesEnabled: true, probePort: 3031 });
		expect(loadConfig({ PROBES: "off", PROBE_PORT: "4000" })).toMatchObject({ probesEnabled: false, probePort: 4000 });
		expect(() => loadConfig({ PROBE_PORT: "70000" })).toThrow(/^PROBE_PORT="70000" is invalid/);
		expect(() => loadConfig({ PROBES: "yes" })).toThrow(/^PROBES="yes" is invalid/);
	});

	it("serves nothing but the two probes", async () => {
		expect((await fetch(`http://127.0.0.1:${probes.port}/api/ping`)).status).toBe(404);
	});
});

describe("npm start with PROBES=on", () => {
	const nodes = nodeProcesses();
	afterAll(() => nodes.stopAll());

	it("serves the probes on PROBE_PORT, not on the REST port, until the node stops", async () => {
		const probePort = await freePort();
		const gateway = await nodes.start({ name: "gateway", services: ["api-gateway"], env: { PROBES: "on", PROBE_PORT: String(probePort) } });
		const ready = await fetch(`http://127.0.0.1:${probePort}/ready`);
		expect(ready.status).toBe(200);
		// A gateway node uses neither PostgreSQL nor Kafka itself.
		expect(((await ready.json()) as { checks: Record<string, string> }).checks).toEqual({ services: "up", transporter: "up" });
		expect((await fetch(`http://127.0.0.1:${probePort}/live`)).status).toBe(200);
		expect((await fetch(`http://127.0.0.1:${gateway.port}/live`)).status).toBe(404);
		expect(await gateway.stop("SIGTERM")).toEqual({ code: 0, signal: null });
		await expect(fetch(`http://127.0.0.1:${probePort}/live`)).rejects.toThrow();
	});
});
