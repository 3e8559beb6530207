/**
 * The whole saga on a cluster of separate processes on this machine: gateway;
 * orders x2; state; reserve-listener x2; payment-listener x2; outbox-relay x2,
 * with the saga simulator (in this test process) answering with some failures.
 * 1,000 orders are created over REST by clients that keep 20 requests in flight
 * and retry a 5xx or network error with the same Idempotency-Key; one orders
 * node is SIGKILLed in the middle. Every key maps to exactly one complete order,
 * every order event is published, every order ends in a terminal chain with each
 * state recorded once, and nothing is dead-lettered.
 *
 * The cluster has a private database: the relays publish every unsent outbox
 * row they find, and must neither take other test files' events nor stall on them.
 */
import { randomInt, randomUUID } from "node:crypto";
import { kafkaBrokers, loadConfig, type ServiceName } from "../../lib/platform/config/config";
import { contractTopics, createKafka, deadLetterTopic, ensureTopics } from "../../lib/platform/clients/kafka";
import { startSimulator, type Simulator } from "../../dev/saga-simulator";
import { privateDatabase, type PrivateDatabase } from "../integration/outbox-helpers";
import { messageCount } from "../support/consumer-group";
import { historiesOf, isTerminalChain } from "../../dev/cluster/order-histories";
import { answersPing, nodeProcesses, type NodeProcess } from "../../dev/cluster/processes";
import { readTopics } from "../../dev/cluster/topic-reader";
import { waitFor } from "../support/wait";

const ORDERS = 1_000;
const IN_FLIGHT = 20;
/** The orders node is killed once this many orders are created: in the middle of the run. */
const KILL_AFTER = 300;
/** Failure guards, not timings: the whole cluster shares 2 cores. */
const SAGA_GUARD_MS = 240_000;

jest.setTimeout(300_000);

const run = randomUUID().slice(0, 8);
const topicEnv = { ORDER_TOPIC: `cl-${run}-order`, RESERVE_TOPIC: `cl-${run}-reserve`, PAYMENT_TOPIC: `cl-${run}-payment` };
const cfg = loadConfig({ ...process.env, ...topicEnv });
const kafka = createKafka(kafkaBrokers(cfg), `cluster-test-${run}`);
const userId = randomInt(1, 2 ** 47);

interface Request {
	key: string;
	body: { user_id: number; description: string; order_products: Array<{ product_id: number; count: number }> };
}

interface Created {
	request: Request;
	orderId: number;
	/** Answers other than 201 before it succeeded (status or network error). */
	failures: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function request(i: number): Request {
	const products = Array.from({ length: 1 + (i % 3) }, (_, p) => ({ product_id: 1 + i * 3 + p, count: 1 + ((i + p) % 5) }));
	return { key: randomUUID(), body: { user_id: userId, description: `cluster order ${i}`, order_products: products } };
}

/** POSTs until a 201: a 5xx or a network error is retried with the same key and body; anything else fails the test. */
async function createWithRetry(api: string, req: Request, stop: AbortSignal): Promise<Created> {
	const failures: string[] = [];
	for (;;) {
		stop.throwIfAborted();
		let status: number | string;
		try {
			const res = await fetch(`${api}/orders`, {
				method: "POST",
				headers: { "content-type": "application/json", "idempotency-key": req.key },
				body: JSON.stringify(req.body),
				signal: AbortSignal.any([stop, AbortSignal.timeout(60_000)]),
			});
			const text = await res.text();
			if (res.status === 201) return { request: req, orderId: (JSON.parse(text) as { order_id: number }).order_id, failures };
			if (res.status < 500) throw new Error(`POST with key ${req.key} answered ${res.status}: ${text}`);
			status = res.status;
		} catch (err) {
			if ((err as Error).message.startsWith("POST with key") || stop.aborted) throw err;
			status = (err as Error).name;
		}
		failures.push(String(status));
		if (failures.length > 50) throw new Error(`POST with key ${req.key} kept failing: ${failures.join(", ")}`);
		await sleep(200);
	}
}

/** `count` requests through `width` clients; `onCreated` sees each success as it comes. */
async function createAll(api: string, requests: Request[], width: number, onCreated: (done: number) => void): Promise<Created[]> {
	const created: Created[] = [];
	let next = 0;
	// The first client that fails stops the others, so none outlives the test.
	const stop = new AbortController();
	const client = async () => {
		while (next < requests.length) {
			const req = requests[next++];
			created.push(await createWithRetry(api, req, stop.signal));
			onCreated(created.length);
		}
	};
	const clients = Array.from({ length: width }, () => client().catch((err: Error) => (stop.abort(err), Promise.reject(err))));
	const outcomes = await Promise.allSettled(clients);
	const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
	if (failure) throw stop.signal.reason ?? failure.reason;
	return created;
}

describe("a cluster of processes under 1,000 orders, one orders node SIGKILLed", () => {
	let db: PrivateDatabase;
	let simulator: Simulator | undefined;
	const nodes = nodeProcesses({ ...topicEnv });
	let gateway: NodeProcess;
	let doomed: NodeProcess;
	let passed = false;

	beforeAll(async () => {
		db = await privateDatabase();
		await ensureTopics(kafka, contractTopics(cfg), 3);
		const env = { DATABASE_URL: db.url, DB_POOL_MAX: "4" };
		const node = (name: string, services: ServiceName[], extra: Record<string, string> = {}) => nodes.start({ name, services, env: { ...env, ...extra } });
		// moleculer-web logs each request at info: the gateway runs at warn and is ready when it answers.
		const gatewayStart = nodes.start({ name: "gateway", services: ["api-gateway"], env: { ...env, LOG_LEVEL: "warn" }, probe: answersPing });
		const started = await Promise.all([
			gatewayStart,
			node("orders-a", ["orders"]),
			node("orders-b", ["orders"]),
			node("state", ["state"]),
			node("reserve-a", ["reserve-listener"]),
			node("reserve-b", ["reserve-listener"]),
			node("payment-a", ["payment-listener"]),
			node("payment-b", ["payment-listener"]),
			node("relay-a", ["outbox-relay"]),
			node("relay-b", ["outbox-relay"]),
		]);
		[gateway, doomed] = started;
		simulator = await startSimulator({
			kafka,
			topics: cfg.topics,
			groupId: `cl-${run}-simulator`,
			fromBeginning: true,
			reserveFailRate: 0.1,
			paymentRejectRate: 0.1,
			paymentFailRate: 0.1,
		});
	}, 300_000);

	afterAll(async () => {
		// What the gateway said (it logs at warn): the first thing to read when this test fails.
		if (!passed && gateway?.output()) console.log(`gateway output (tail):\n${gateway.output().slice(-6000)}`);
		await nodes.stopAll("SIGKILL");
		await simulator?.stop().catch(() => undefined);
		await db?.drop();
	});

	it("loses and doubles nothing: each key one complete order, every event published, every saga terminal and recorded once", async () => {
		const api = `http://127.0.0.1:${gateway.port}/api`;
		const requests = Array.from({ length: ORDERS }, (_, i) => request(i));
		let killed: Promise<unknown> | undefined;
		const created = await createAll(api, requests, IN_FLIGHT, (done) => {
			if (done === KILL_AFTER) killed = doomed.stop("SIGKILL");
		});
		expect(await killed).toEqual({ code: null, signal: "SIGKILL" });
		const retried = created.filter((c) => c.failures.length > 0);
		console.log(`cluster: ${created.length} created, ${retried.length} retried by clients (${retried.flatMap((c) => c.failures).join(", ") || "none"})`);

		// Each key: exactly one order, the one its client got, with all its products in order.
		const { rows } = await db.pool.query<{ order_id: string; idempotency_key: string; products: Array<{ product_id: number; count: number }> }>(
			`SELECT o.order_id, o.idempotency_key,
				(SELECT json_agg(json_build_object('product_id', p.product_id, 'count', p.count) ORDER BY p.position) FROM order_products p WHERE p.order_id = o.order_id) AS products
			FROM orders o WHERE o.user_id = $1`,
			[userId],
		);
		const stored = new Map(rows.map((r) => [r.idempotency_key, { orderId: Number(r.order_id), products: r.products }]));
		expect(rows.length).toBe(ORDERS);
		const mismatched = created.filter((c) => {
			const row = stored.get(c.request.key);
			return row?.orderId !== c.orderId || JSON.stringify(row.products) !== JSON.stringify(c.request.body.order_products);
		});
		expect(mismatched.map((c) => ({ key: c.request.key, got: c.orderId, stored: stored.get(c.request.key) }))).toEqual([]);

		// Every saga ends in one of the contract's chains, each state from exactly one message.
		const orderIds = created.map((c) => c.orderId);
		const histories = await waitFor(async () => {
			const found = await historiesOf(db.pool, orderIds);
			return orderIds.every((id) => ["RESERVE_FAILED", "PAYMENT_FAILED", "PAYMENT_COMPLETED"].includes(found.get(id)?.current ?? "")) ? found : undefined;
		}, "every order to reach a terminal state", SAGA_GUARD_MS);
		const broken = orderIds.map((id) => ({ id, ...histories.get(id)! })).filter((h) => !isTerminalChain(h.states) || h.applied !== h.states.length - 1);
		expect(broken).toEqual([]);

		// Every order event on the order topic (at least once), and as many saga answers as recorded states.
		const answered = orderIds.reduce((n, id) => n + histories.get(id)!.applied, 0);
		const reader = await readTopics(kafka, [cfg.topics.order, cfg.topics.reserve, cfg.topics.payment]);
		try {
			const events = await waitFor(() => {
				const orders = reader.messages.filter((m) => m.topic === cfg.topics.order);
				const answers = reader.messages.length - orders.length;
				const published = new Set(orders.map((m) => (JSON.parse(m.value ?? "{}") as { order_id: number }).order_id));
				return orderIds.every((id) => published.has(id)) && answers >= answered ? { orders, answers } : undefined;
			}, "every order event and saga answer to be read back", SAGA_GUARD_MS);
			console.log(`cluster: ${events.orders.length} order events for ${ORDERS} orders, ${events.answers} saga answers, ${answered} states applied`);
			expect(events.answers).toBe(answered);
			expect(events.orders.every((m) => m.key === String((JSON.parse(m.value ?? "{}") as { order_id: number }).order_id))).toBe(true);
		} finally {
			await reader.stop();
		}
		const unsent = await db.pool.query<{ n: string }>("SELECT outbox_unsent($1) AS n", [cfg.topics.order]);
		expect(Number(unsent.rows[0].n)).toBe(0);
		for (const topic of [cfg.topics.reserve, cfg.topics.payment]) expect(await messageCount(kafka, deadLetterTopic(topic))).toBe(0);
		passed = true;
	});
});
