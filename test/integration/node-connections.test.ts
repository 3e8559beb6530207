/**
 * The PostgreSQL connections each kind of node holds, measured in
 * pg_stat_activity and held against the table "Connections per node" in
 * docs/operations.md, so the doc cannot fall below what a node holds: every
 * node kind runs alone on a private database, idle (its largest count over a
 * few seconds, after its pools dropped what start-up used) and, for the
 * all-in-one node, under a few orders and their saga round (its largest count
 * while they run).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ServiceBroker } from "moleculer";
import { Client } from "pg";
import { ALL_SERVICES, loadConfig, type ServiceName } from "../../lib/platform/config/config";
import { ensureDatabase } from "../../lib/platform/clients/database";
import { createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { migrateUp } from "../../lib/platform/startup/migrations";
import { createNode } from "../../wiring/create-node";
import { freePort } from "../../dev/cluster/ports";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { TEST_DATABASE_URL } from "../support/test-env";
import { waitFor } from "../support/wait";
import { EXAMPLE_BODY, post } from "../e2e/rest-support";

/** Longer than the pools' idle timeout (10 s): what start-up opened has closed. */
const SETTLE_MS = 12_000;
const SAMPLE_MS = 3_000;

interface Figures {
	idle: number;
	atMost: number;
}

/** The table's rows: `| <node> | <idle> | <at most> |`, the node named by its SERVICES (or `all`) in backquotes. */
function documentedFigures(): Map<string, Figures> {
	const doc = readFileSync(join(__dirname, "../../docs/operations.md"), "utf8");
	const section = doc.split("## Connections per node")[1]?.split("\n## ")[0] ?? "";
	const rows = [...section.matchAll(/^\| `([^`]+)`[^|]*\| (\d+) \| (\d+) \|/gm)];
	return new Map(rows.map(([, services, idle, atMost]) => [services, { idle: Number(idle), atMost: Number(atMost) }]));
}

const NODE_KINDS: Array<[string, ServiceName[]]> = [["all", [...ALL_SERVICES]], ...ALL_SERVICES.map((s): [string, ServiceName[]] => [s, [s]])];

const run = randomUUID().slice(0, 8);
const name = `orders_connections_${run}`;
const url = new URL(TEST_DATABASE_URL);
url.pathname = `/${name}`;
const saga = useSagaTopics(1);
const orderTopic = `t-${run}-order`;
/** Counts from another database, so the counting connection is not among those counted. */
let admin: Client;
/** Answers the listeners' calls on nodes without `state`: the listener node under test waits for one otherwise. */
let statePeer: ServiceBroker | undefined;

const connections = async (): Promise<number> =>
	Number((await admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1", [name])).rows[0].n);

/** The largest count while `during` runs (or for SAMPLE_MS). */
async function peak(during: Promise<unknown> = new Promise((r) => setTimeout(r, SAMPLE_MS))): Promise<number> {
	let done = false;
	const finished = during.finally(() => (done = true));
	let max = 0;
	while (!done) {
		max = Math.max(max, await connections());
		await new Promise((r) => setTimeout(r, 100));
	}
	await finished;
	return Math.max(max, await connections());
}

async function startMeasured(services: ServiceName[]): Promise<{ broker: ServiceBroker; base: string }> {
	const port = await freePort();
	const cfg = loadConfig({ ...process.env, DATABASE_URL: url.toString(), ORDER_TOPIC: orderTopic, PORT: String(port), GRPC_PORT: "0" });
	// Its own node ID: the state peer runs in this process too.
	const broker = createNode(cfg, services, { nodeID: `measured-${randomUUID().slice(0, 8)}` });
	await broker.start();
	return { broker, base: `http://127.0.0.1:${port}/api` };
}

beforeAll(async () => {
	await ensureDatabase(url.toString());
	await migrateUp(url.toString());
	admin = new Client({ connectionString: TEST_DATABASE_URL });
	await admin.connect();
	await saga.setUp();
	await ensureTopics(createKafka(loadConfig().kafkaBrokers ?? ["127.0.0.1:9092"], `test-${run}`), [orderTopic], 1);
	statePeer = createNode(loadConfig(), [], { nodeID: `state-peer-${run}` });
	statePeer.createService({ name: "state", actions: { applyBatch: () => ({ outcomes: [] }) } });
	await statePeer.start();
}, 120_000);

afterAll(async () => {
	await statePeer?.stop();
	await saga.tearDown();
	await admin?.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
	await admin?.end();
});

it("documents every node kind", () => {
	expect([...documentedFigures().keys()].sort()).toEqual(NODE_KINDS.map(([kind]) => kind).sort());
});

it.each(NODE_KINDS)("%s holds at most the documented connections while idle", async (kind, services) => {
	const documented = documentedFigures().get(kind);
	expect(documented).toBeDefined();
	const { broker, base } = await startMeasured(services);
	try {
		// The health check's connection counts too (the gateway's or the probes').
		if (services.includes("api-gateway")) await fetch(`${base}/health`);
		await new Promise((r) => setTimeout(r, SETTLE_MS));
		const idle = await peak();
		// At most: a periodic job's connection may have lapsed (idle 10 s) when the count is taken.
		expect({ kind, idle: Math.min(idle, documented?.idle ?? -1) }).toEqual({ kind, idle });
	} finally {
		await broker.stop();
	}
	await waitFor(async () => ((await connections()) === 0 ? true : undefined), "the node's connections closed with it");
}, 90_000);

it("the all-in-one node stays within its documented maximum under a few orders and their saga round", async () => {
	const documented = documentedFigures().get("all");
	await statePeer?.stop();
	statePeer = undefined;
	const { broker, base } = await startMeasured([...ALL_SERVICES]);
	try {
		const load = (async () => {
			const ids = await Promise.all(Array.from({ length: 5 }, async () => (await post<{ order_id: number }>(base, EXAMPLE_BODY)).body.order_id));
			for (const id of ids) await saga.send(saga.reserve, sagaMessage(id, "CREATED"), String(id));
			for (const id of ids) await saga.send(saga.payment, sagaMessage(id, "CREATED"), String(id));
			for (const id of ids) await saga.send(saga.payment, sagaMessage(id, "COMPLETED"), String(id));
			await waitFor(
				async () => ((await broker.call<{ order_states: unknown[] }, { order_id: number }>("orders.states", { order_id: ids[ids.length - 1] })).order_states.length >= 4 ? true : undefined),
				"the last order's saga round",
			);
		})();
		const loaded = await peak(load);
		expect(loaded).toBeGreaterThan(0);
		expect(loaded).toBeLessThanOrEqual(documented?.atMost ?? 0);
	} finally {
		await broker.stop();
	}
}, 120_000);
