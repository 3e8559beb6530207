/**
 * The runner every process node runs under (lib/platform/node/node-runner.ts),
 * in process: a config file and a service file written for the test, signals
 * delivered to the listeners the runner added, process.exit stubbed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceBroker } from "moleculer";
import { loadConfig } from "../../lib/platform/config/config";
import { NodeRunner, type NodeSteps } from "../../lib/platform/node/node-runner";
import { waitFor } from "../support/wait";

/** What the test's service reports, and the gate its started() waits at. */
interface Probe {
	entered: () => void;
	gate: Promise<void>;
	failStart: boolean;
	stopRequested: boolean;
}
const global = globalThis as unknown as { runnerProbe: Probe };

const dir = mkdtempSync(join(tmpdir(), "node-runner-"));
const configFile = join(dir, "runner.config.js");
// The broker's own signal handling asked for: the runner must turn it off.
writeFileSync(configFile, "module.exports = { logger: false, transporter: null, skipProcessEventRegistration: false };\n");
const serviceFile = join(dir, "gate.service.js");
writeFileSync(
	serviceFile,
	`module.exports = {
	name: "gate",
	created() { this.broker.localBus.on("$node.stopRequested", () => { globalThis.runnerProbe.stopRequested = true; }); },
	async started() {
		const probe = globalThis.runnerProbe;
		probe.entered();
		await probe.gate;
		if (probe.failStart) throw new Error("gate would not open");
	},
};
`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

interface Run {
	runner: NodeRunner;
	done: Promise<void>;
	/** Delivers a signal to the runner's own listener (not to this test process's others). */
	signal: (name: NodeJS.Signals) => void;
	entered: Promise<void>;
	open: () => void;
	exit: jest.SpyInstance;
	calls: string[];
}

let cleanups: Array<() => void> = [];
afterEach(() => {
	cleanups.forEach((cleanup) => cleanup());
	cleanups = [];
});

function run(steps: NodeSteps = {}, failStart = false): Run {
	let open!: () => void;
	let entered!: () => void;
	const enteredPromise = new Promise<void>((done) => (entered = done));
	global.runnerProbe = { entered, gate: new Promise<void>((done) => (open = done)), failStart, stopRequested: false };
	const exit = jest.spyOn(process, "exit").mockImplementation((() => undefined) as never);
	const stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
	const before = new Map(SIGNALS.map((name) => [name, process.listeners(name)]));
	const calls: string[] = [];
	const runner = new NodeRunner(loadConfig({ SERVICES: "api-gateway" }), [serviceFile], {
		before: async (say) => {
			calls.push("before");
			await steps.before?.(say);
		},
		running: (broker) => {
			calls.push("running");
			steps.running?.(broker);
		},
		after: async (say) => {
			calls.push("after");
			await steps.after?.(say);
		},
	});
	const done = runner.start(["node", "runner", "--config", configFile]);
	const added = () => SIGNALS.flatMap((name) => process.listeners(name).filter((listener) => !before.get(name)?.includes(listener)));
	cleanups.push(() => {
		for (const name of SIGNALS) for (const listener of process.listeners(name)) if (!before.get(name)?.includes(listener)) process.removeListener(name, listener);
		exit.mockRestore();
		stdout.mockRestore();
	});
	return {
		runner,
		done,
		signal: (name) => {
			// One listener per signal, the runner's: the broker registered none.
			expect(added()).toHaveLength(SIGNALS.length);
			(added()[SIGNALS.indexOf(name as (typeof SIGNALS)[number])] as (signal: NodeJS.Signals) => void)(name);
		},
		entered: enteredPromise,
		open: () => open(),
		exit,
		calls,
	};
}

describe("NodeRunner", () => {
	it("runs the node with the config file's options, owning the signals itself", async () => {
		const node = run();
		await node.entered;
		node.open();
		await node.done;
		const broker = node.runner.broker as ServiceBroker;
		expect(broker.started).toBe(true);
		expect(broker.runner).toBe(node.runner);
		expect(broker.options.skipProcessEventRegistration).toBe(true);
		expect(node.calls).toEqual(["before", "running"]);

		node.signal("SIGTERM");
		await waitFor(() => (node.exit.mock.calls.length > 0 ? true : undefined), "the runner to exit");
		expect(broker.started).toBe(false);
		expect(node.calls).toEqual(["before", "running", "after"]);
		expect(node.exit).toHaveBeenCalledWith(0);
	});

	it("lets a start under way finish after a signal, asks the services to begin nothing more, then stops and exits 0", async () => {
		const node = run();
		await node.entered;
		node.signal("SIGINT");
		expect(global.runnerProbe.stopRequested).toBe(true);
		expect(node.exit).not.toHaveBeenCalled(); // the start under way is not cut short
		node.open();
		await node.done;
		expect(node.calls).toEqual(["before", "after"]); // it never said it runs
		expect(node.runner.broker?.started).toBe(false);
		expect(node.exit).toHaveBeenCalledWith(0);
	});

	it("builds no node when the signal comes during the step before it", async () => {
		let release!: () => void;
		const node = run({ before: () => new Promise<void>((done) => (release = done)) });
		node.signal("SIGTERM");
		release();
		await node.done;
		expect(node.runner.broker).toBeNull();
		expect(node.calls).toEqual(["before", "after"]);
		expect(node.exit).toHaveBeenCalledWith(0);
	});

	it("rejects a failed start once the node has stopped and the step after it ran, without exiting", async () => {
		const node = run({}, true);
		await node.entered;
		node.open();
		await expect(node.done).rejects.toThrow("gate would not open");
		expect(node.runner.broker?.started).toBe(false);
		expect(node.calls).toEqual(["before", "after"]);
		expect(node.exit).not.toHaveBeenCalled();
	});
});
