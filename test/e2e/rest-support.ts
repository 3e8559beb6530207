/**
 * Helpers of the REST tests: a gateway + orders node on a free port with this
 * file's own order topic, HTTP calls as a client makes them, and direct SQL to
 * count what a request left in the database.
 */
import { randomInt, randomUUID } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { BrokerOptions, ServiceBroker } from "moleculer";
import { Client } from "pg";
import { createNode } from "../../wiring/create-node";
import { loadConfig } from "../../lib/platform/config/config";
import { createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { freePort } from "../../dev/cluster/ports";
import { startNode } from "../support/cluster";
import { TEST_DATABASE_URL } from "../support/test-env";

export const EXAMPLE_BODY = {
	order_products: [
		{ product_id: 3, count: 1 },
		{ product_id: 4, count: 2 },
	],
	user_id: 1,
	description: "Hello world",
};

/** A user id no other test uses. */
export const randomUserId = (): number => randomInt(1_000_000_000, 2 ** 47);

export interface RestNode {
	broker: ServiceBroker;
	base: string;
	topic: string;
	stop(): Promise<void>;
}

/**
 * Sets ORDER_TOPIC to a new topic and creates it. The relays of other test
 * files publish every unsent outbox row, ours included, and the broker does not
 * create topics on demand: a missing topic would stall their relays.
 */
export async function useOwnOrderTopic(): Promise<string> {
	const topic = `t-${randomUUID()}-order`;
	await ensureTopics(createKafka(loadConfig().kafkaBrokers ?? ["127.0.0.1:9092"], "orders-test"), [topic], 1);
	process.env.ORDER_TOPIC = topic;
	return topic;
}

/**
 * Starts api-gateway + orders. Sets ORDER_TOPIC (unique) and creates it, so
 * relays of other tests can publish our events. `overrides` replace broker options.
 */
export async function startRestNode(env: Record<string, string> = {}, overrides?: BrokerOptions): Promise<RestNode> {
	const topic = await useOwnOrderTopic();
	const port = await freePort();
	const nodeEnv = { PORT: String(port), ...env };
	let broker: ServiceBroker;
	if (overrides) {
		Object.assign(process.env, nodeEnv);
		broker = createNode(loadConfig(), ["api-gateway", "orders"], overrides);
		await broker.start();
	} else {
		broker = await startNode(["api-gateway", "orders"], nodeEnv);
	}
	return { broker, base: `http://127.0.0.1:${port}/api`, topic, stop: () => broker.stop() };
}

export interface SplitRestNodes {
	gateway: ServiceBroker;
	orders: ServiceBroker;
	base: string;
	stop(): Promise<void>;
}

/**
 * api-gateway and orders on two nodes of this file's cluster, so calls between them
 * cross the Redis transporter. `env` is set before the services load; `gateway` and
 * `orders` replace broker options of each node.
 */
export async function startSplitRestNodes(opts: { env?: Record<string, string>; gateway?: BrokerOptions; orders?: BrokerOptions } = {}): Promise<SplitRestNodes> {
	await useOwnOrderTopic();
	const port = await freePort();
	Object.assign(process.env, { PORT: String(port), ...opts.env });
	const orders = createNode(loadConfig(), ["orders"], opts.orders ?? {});
	const gateway = createNode(loadConfig(), ["api-gateway"], opts.gateway ?? {});
	await Promise.all([orders.start(), gateway.start()]);
	await gateway.waitForServices(["orders"]);
	return {
		gateway,
		orders,
		base: `http://127.0.0.1:${port}/api`,
		stop: async () => {
			await gateway.stop();
			await orders.stop();
		},
	};
}

export interface HttpResult<T = Record<string, unknown>> {
	status: number;
	body: T;
	headers: Headers;
}

export async function http<T = Record<string, unknown>>(url: string, init: RequestInit & { json?: unknown } = {}): Promise<HttpResult<T>> {
	const { json, ...rest } = init;
	const res = await fetch(url, {
		...rest,
		body: json === undefined ? rest.body : JSON.stringify(json),
		headers: { "content-type": "application/json", ...(rest.headers as Record<string, string>) },
	});
	const text = await res.text();
	return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
}

export const post = <T = Record<string, unknown>>(base: string, json: unknown, headers: Record<string, string> = {}) =>
	http<T>(`${base}/orders`, { method: "POST", json, headers });

/** A direct connection to the test database (never the node's DATABASE_URL), for counting rows. */
export async function sql(): Promise<Client> {
	const client = new Client({ connectionString: TEST_DATABASE_URL });
	await client.connect();
	return client;
}

/** Rows of every table that a create writes, for the orders of one user (the outbox by this node's topic). */
export async function rowsOf(db: Client, userId: number, topic: string): Promise<Record<string, number>> {
	const { rows } = await db.query(
		`SELECT
			(SELECT count(*) FROM orders WHERE user_id = $1)::int AS orders,
			(SELECT count(*) FROM order_products p JOIN orders o USING (order_id) WHERE o.user_id = $1)::int AS products,
			(SELECT count(*) FROM order_states s JOIN orders o USING (order_id) WHERE o.user_id = $1)::int AS states,
			(SELECT count(*) FROM outbox WHERE topic = $2)::int AS outbox`,
		[userId, topic],
	);
	return rows[0] as Record<string, number>;
}

/**
 * Forwards a local port to a server (PostgreSQL, Redis) until `cut()`, which
 * drops every connection and refuses new ones; `restore()` listens again.
 */
export class TcpRelay {
	private server: Server | undefined;
	private readonly sockets = new Set<Socket>();
	constructor(
		readonly port: number,
		private readonly target: URL,
	) {}

	/** The target's URL, pointing at the relay instead. */
	get url(): string {
		const url = new URL(this.target);
		url.hostname = "127.0.0.1";
		url.port = String(this.port);
		return url.toString();
	}

	async restore(): Promise<void> {
		const defaultPort = this.target.protocol.startsWith("redis") ? 6379 : 5432;
		this.server = createServer((client) => {
			const upstream = connect(Number(this.target.port || defaultPort), this.target.hostname);
			for (const s of [client, upstream]) {
				this.sockets.add(s);
				s.on("close", () => this.sockets.delete(s));
				s.on("error", () => undefined);
			}
			client.pipe(upstream).pipe(client);
			client.on("close", () => upstream.destroy());
			upstream.on("close", () => client.destroy());
		});
		await new Promise<void>((resolve) => this.server?.listen(this.port, "127.0.0.1", resolve));
	}

	async cut(): Promise<void> {
		const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
		for (const s of this.sockets) s.destroy();
		await closed;
	}
}

/** A gateway + orders node and a direct database client for the test file, started before its tests and stopped after. */
export function useRestNode(env: Record<string, string> = {}): { node: RestNode; db: Client } {
	const held = {} as { node: RestNode; db: Client };
	beforeAll(async () => {
		held.node = await startRestNode(env);
		held.db = await sql();
	});
	afterAll(async () => {
		await held.db?.end();
		await held.node?.stop();
	});
	return held;
}
