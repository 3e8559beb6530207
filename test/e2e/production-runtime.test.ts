/**
 * The Dockerfile's runtime stage without Docker: a directory with the compiled
 * dist/, production dependencies only and migrations/ (dev/runtime-image.ts).
 * From it: the deployment steps (`npm run migrate`, `npm run topics`) and
 * production nodes (dist/bin/runner.js under moleculer-runner) against the real
 * PostgreSQL, Redis and Kafka of KAFKA_BROKERS. Slow (it compiles and installs).
 */
import { execFile, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";
import { buildRuntimeImage, type RuntimeImage } from "../../dev/runtime-image";
import { projectRoot } from "../../lib/platform/config/project-root";
import { nodeProcesses } from "../../dev/cluster/processes";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { TEST_DATABASE_URL } from "../support/test-env";
import { waitFor } from "../support/wait";

jest.setTimeout(600_000);

const topics = useSagaTopics();
const ORDER_TOPIC = `t-${randomUUID().slice(0, 8)}-order`;
const database = `orders_runtime_${randomUUID().slice(0, 8)}`;
const databaseUrl = Object.assign(new URL(TEST_DATABASE_URL), { pathname: `/${database}` }).toString();
const adminUrl = Object.assign(new URL(TEST_DATABASE_URL), { pathname: "/postgres" }).toString();
const env = { ...topics.env, ORDER_TOPIC, DATABASE_URL: databaseUrl };
const nodes = nodeProcesses({ ...env, PROBES: "on" });
let image: RuntimeImage;

async function admin(sql: string): Promise<void> {
	const client = new Client({ connectionString: adminUrl });
	await client.connect();
	await client.query(sql).finally(() => client.end());
}

/** `npm run <script>` in the image, on this Node (the image's base image brings Node 24; this machine's PATH may not). */
async function npmRun(script: string): Promise<string> {
	const { stdout } = await promisify(execFile)("npm", ["run", "--silent", script], {
		cwd: image.dir,
		env: { ...process.env, ...env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
	});
	return stdout;
}

/** `node dist/bin/runner.js` in the image with `services`, to its exit: for a node that must refuse to start. */
function runnerExit(nodeBinary: string, services: string, nodeArgs: string[] = []) {
	const result = spawnSync(nodeBinary, [...nodeArgs, "dist/bin/runner.js"], {
		cwd: image.dir,
		env: { ...process.env, ...env, SERVICES: services, PROBES: "off", METRICS: "off" },
		encoding: "utf8",
		timeout: 60_000,
	});
	return { status: result.status, stderr: result.stderr, lines: result.stderr.trim().split("\n") };
}

/** Every process below `pid` (children, their children, ...), as "pid command". */
function descendants(pid: number): string[] {
	const parents = new Map<number, number>();
	const commands = new Map<number, string>();
	for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const close = stat.lastIndexOf(")");
			parents.set(Number(entry), Number(stat.slice(close + 2).split(" ")[1]));
			commands.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
		} catch {
			// the process ended while we read
		}
	}
	const found: string[] = [];
	const walk = (parent: number) => {
		for (const [child, ppid] of parents) {
			if (ppid !== parent) continue;
			found.push(`${child} ${commands.get(child)}`);
			walk(child);
		}
	};
	walk(pid);
	return found;
}

beforeAll(async () => {
	image = await buildRuntimeImage();
	await topics.setUp();
});

afterAll(async () => {
	await nodes.stopAll();
	await topics.tearDown();
	await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
	await image?.remove();
});

describe("the runtime image", () => {
	it("holds production dependencies and compiled code only", () => {
		for (const dev of ["typescript", "ts-node", "jest", "eslint", "node"]) expect(existsSync(join(image.dir, "node_modules", dev))).toBe(false);
		for (const dep of ["moleculer", "kafkajs", "pg", "sequelize"]) expect(existsSync(join(image.dir, "node_modules", dep))).toBe(true);
		expect(existsSync(join(image.dir, "dist", "services", "orders.service.js"))).toBe(true);
	});

	it("refuses an older Node with one line, before anything loads", () => {
		const old = ["/usr/bin/node", "/usr/local/bin/node"].find((bin) => existsSync(bin) && Number(spawnSync(bin, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" }).stdout) < 24);
		// A machine with no older Node: this one says it is Node 20.0.0 before the runner loads.
		const pretend = join(image.dir, "pretend-node-20.js");
		if (!old) writeFileSync(pretend, 'Object.defineProperty(process.versions, "node", { value: "20.0.0" });\n');
		const { status, lines } = old ? runnerExit(old, "orders") : runnerExit(process.execPath, "orders", ["--require", pretend]);
		expect(status).toBe(1);
		expect(lines).toEqual([expect.stringMatching(/^orders: cannot start: Node \d+\.\d+\.\d+ is older than Node 24, which this project needs$/)]);
	});

	it("refuses to start on a database that is missing or behind, saying which command to run", async () => {
		expect(runnerExit(process.execPath, "orders").lines).toEqual([`orders: cannot start: SchemaError: database "${database}" does not exist: run "npm run migrate"`]);
		await admin(`CREATE DATABASE "${database}"`);
		const behind = runnerExit(process.execPath, "orders,state");
		expect(behind.status).toBe(1);
		const pending = readdirSync(join(projectRoot(), "migrations")).filter((f) => f.endsWith(".up.sql")).map((f) => f.replace(/\.up\.sql$/, "")).sort();
		const count = `${pending.length} migration${pending.length === 1 ? "" : "s"}`;
		expect(behind.lines).toEqual([`orders: cannot start: SchemaError: database schema is behind (${count} pending: ${pending.join(", ")}): run "npm run migrate"`]);
	});

	it("migrates and creates the topics in explicit steps, from the compiled code", async () => {
		expect(await npmRun("migrate")).toContain("migrations applied: 0001_init");
		expect(await npmRun("migrate")).toContain("the database is up to date");
		const created = await npmRun("topics");
		for (const topic of [ORDER_TOPIC, topics.reserve, `${topics.reserve}.dlq`, topics.payment]) expect(created).toContain(topic);
		const kafkaAdmin = topics.kafka.admin();
		await kafkaAdmin.connect();
		const listed = await kafkaAdmin.listTopics().finally(() => kafkaAdmin.disconnect());
		expect(listed).toEqual(expect.arrayContaining([ORDER_TOPIC, `${topics.payment}.dlq`]));
	});

	it("runs production nodes (SERVICES subsets) that serve REST, consume Kafka and start no Java process", async () => {
		const entry = { cwd: image.dir, args: ["dist/bin/runner.js"] };
		const [gateway, worker] = await Promise.all([
			nodes.start({ name: "prod-gateway", services: ["api-gateway"], entry }),
			nodes.start({ name: "prod-worker", services: ["orders", "state", "reserve-listener", "outbox-relay"], entry }),
		]);
		// Quiet when healthy: what the nodes printed while starting (later requests may log on their own).
		for (const node of [gateway, worker]) expect(node.output()).not.toMatch(/ERROR|\n\s+at /);
		const base = `http://127.0.0.1:${gateway.port}/api`;
		// The gateway learns of the worker's services over the transporter, shortly after both run.
		await waitFor(async () => ((await fetch(`${base}/orders?limit=1`)).status === 200 ? true : undefined), "the gateway to reach orders");
		const created = await fetch(`${base}/orders`, { method: "POST", body: JSON.stringify({ user_id: 7, order_products: [{ product_id: 3, count: 1 }] }) });
		if (created.status !== 201) throw new Error(`POST answered ${created.status} ${await created.text()}\n${gateway.output()}\n${worker.output()}`);
		const order = (await created.json()) as { order_id: number };
		const read = await fetch(`${base}/orders/${order.order_id}`);
		expect(await read.json()).toMatchObject({ order_id: order.order_id, user_id: 7, state: "ORDER_CREATED" });

		await topics.send(topics.reserve, sagaMessage(order.order_id, "CREATED"), String(order.order_id));
		await waitFor(async () => {
			const states = (await (await fetch(`${base}/orders/${order.order_id}/states`)).json()) as { order_states: Array<{ state: string }> };
			return states.order_states.some((s) => s.state === "RESERVE_CREATED") ? true : undefined;
		}, "the reserve message to be applied");

		const ready = await fetch(`http://127.0.0.1:${worker.probePort}/ready`);
		expect(await ready.json()).toMatchObject({ status: "ready", checks: { postgresql: "up", kafka: "up", transporter: "up" } });
		for (const node of [gateway, worker]) {
			expect(descendants(node.child.pid!)).toEqual([]); // no Maven, no Java, no child at all
		}
		for (const node of [gateway, worker]) expect(await node.stop()).toEqual({ code: 0, signal: null });
	});
});
