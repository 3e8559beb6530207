/**
 * TRANSIT_KEY: nodes with the same key call each other over Redis; a node with
 * another key or none cannot see or call them; and a raw SUBSCRIBE on the
 * transporter's channels reads no order data. The same calls without a key,
 * in a cluster of their own, show the data in clear (the check can fail).
 */
import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import { ServiceBroker, type Context } from "moleculer";
import { loadConfig } from "../../lib/platform/config/config";
import { brokerOptions } from "../../moleculer.config";

const KEY = "transit-key-of-this-cluster-0123";
const brokers: ServiceBroker[] = [];

/** A node of `namespace` with TRANSIT_KEY `key` (none when undefined); quiet: the intruders' undecryptable packets log errors by design. */
function node(name: string, namespace: string, key: string | undefined): ServiceBroker {
	const cfg = loadConfig({ ...process.env, NAMESPACE: namespace, TRANSIT_KEY: key ?? "" });
	const broker = new ServiceBroker({ ...brokerOptions(cfg), nodeID: `${name}-${process.pid}`, logger: false });
	brokers.push(broker);
	return broker;
}

function orderService(broker: ServiceBroker): void {
	broker.createService({ name: "vault", actions: { echo: (ctx: Context<{ description: string }>) => ({ description: ctx.params.description }) } });
}

/** Every message published on the namespace's transporter channels while `during` runs. */
async function sniff(namespace: string, during: () => Promise<void>): Promise<string[]> {
	const redis = new Redis(loadConfig().redisUrl);
	const seen: string[] = [];
	redis.on("pmessageBuffer", (_pattern: Buffer, _channel: Buffer, message: Buffer) => seen.push(message.toString("latin1")));
	await redis.psubscribe(`MOL-${namespace}.*`);
	try {
		await during();
	} finally {
		redis.disconnect();
	}
	return seen;
}

const namespace = `${process.env.NAMESPACE}-enc`;
const owner = node("owner", namespace, KEY);
const caller = node("caller", namespace, KEY);
orderService(owner);

beforeAll(async () => {
	await Promise.all([owner.start(), caller.start()]);
	await caller.waitForServices(["vault"], 10_000);
});

afterAll(() => Promise.all(brokers.map((b) => b.stop())));

it("nodes with the same key call each other, and Redis carries no readable order data", async () => {
	const secret = `order-description-${randomUUID()}`;
	let answer: unknown;
	const packets = await sniff(namespace, async () => {
		answer = await caller.call("vault.echo", { description: secret });
	});
	expect(answer).toEqual({ description: secret });
	expect(packets.length).toBeGreaterThanOrEqual(2); // the request and the response went through Redis
	expect(packets.some((p) => p.includes(secret) || p.includes('"action"'))).toBe(false);
});

it.each([
	["another key", "another-transit-key-0123456789"],
	["no key", undefined],
])("a node with %s cannot see or call the cluster's services", async (_name, key) => {
	const intruder = node(`intruder-${key ? "key" : "none"}`, namespace, key);
	await intruder.start();
	await expect(intruder.waitForServices(["vault"], 3_000)).rejects.toThrow();
	await expect(intruder.call("vault.echo", { description: "x" })).rejects.toMatchObject({ type: "SERVICE_NOT_FOUND" });
	await intruder.stop();
});

it("without a key the same call is readable on Redis (what TRANSIT_KEY prevents)", async () => {
	const clear = `${process.env.NAMESPACE}-clear`;
	const clearOwner = node("clear-owner", clear, undefined);
	const clearCaller = node("clear-caller", clear, undefined);
	orderService(clearOwner);
	await Promise.all([clearOwner.start(), clearCaller.start()]);
	await clearCaller.waitForServices(["vault"], 10_000);
	const secret = `order-description-${randomUUID()}`;
	const packets = await sniff(clear, async () => {
		await clearCaller.call("vault.echo", { description: secret });
	});
	expect(packets.some((p) => p.includes(secret))).toBe(true);
});
