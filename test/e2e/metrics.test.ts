/**
 * The Prometheus endpoint of a node running all six services: each named
 * metric is there, and the counters move when orders flow over REST and saga
 * messages (applied, duplicate, malformed, unknown order) arrive on Kafka.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import { freePort } from "../../dev/cluster/ports";
import { startNode } from "../support/cluster";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { parseMetrics, value } from "../support/metrics-page";
import { waitFor } from "../support/wait";
import { EXAMPLE_BODY, randomUserId, useOwnOrderTopic } from "./rest-support";

const topics = useSagaTopics();

describe("metrics endpoint", () => {
	let broker: ServiceBroker;
	let base: string;
	let metricsUrl: string;
	let orderTopic: string;

	beforeAll(async () => {
		orderTopic = await useOwnOrderTopic();
		await topics.setUp();
		const [port, metricsPort] = [await freePort(), await freePort()];
		base = `http://127.0.0.1:${port}/api`;
		metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
		broker = await startNode(["api-gateway", "orders", "state", "reserve-listener", "payment-listener", "outbox-relay"], {
			PORT: String(port),
			METRICS: "on",
			METRICS_PORT: String(metricsPort),
		});
	});
	afterAll(async () => {
		await broker?.stop();
		await topics.tearDown();
	});

	const scrape = async () => {
		const res = await fetch(metricsUrl);
		expect(res.status).toBe(200);
		return parseMetrics(await res.text());
	};

	const createOrder = async (): Promise<number> => {
		const res = await fetch(`${base}/orders`, {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({ ...EXAMPLE_BODY, user_id: randomUserId() }),
		});
		expect(res.status).toBe(201);
		return ((await res.json()) as { order_id: number }).order_id;
	};

	/** How many order creations the REST latency histogram has seen. */
	const restLatencyCount = (page: ReturnType<typeof parseMetrics>): number =>
		value(page, "orders_http_request_duration_seconds_bucket", { method: "POST", route: "/api/orders", status: "201", le: "+Inf" }) ?? 0;

	it("shows each named metric, and its values move when orders flow", async () => {
		const messages = "orders_messages_total";
		const reserve = topics.reserve;
		// The relay exports its backlog gauges once it has started.
		const before = await waitFor(async () => {
			const page = await scrape();
			return value(page, "orders_outbox_backlog") !== undefined ? page : undefined;
		}, "the outbox backlog gauge");
		expect(value(before, "orders_outbox_oldest_unsent_seconds")).toBeGreaterThanOrEqual(0);
		expect(value(before, "orders_outbox_published_total", { topic: orderTopic }) ?? 0).toBe(0);
		expect(value(before, messages, { topic: reserve }) ?? 0).toBe(0);

		const [first, second] = [await createOrder(), await createOrder()];
		const key = randomUUID();
		const applied = await topics.send(reserve, sagaMessage(first, "CREATED", key), String(first));
		await waitFor(async () => value(await scrape(), messages, { topic: reserve, outcome: "applied" }), "the applied message");
		await topics.send(reserve, sagaMessage(first, "CREATED", key), String(first)); // redelivery
		await topics.send(reserve, "{oops", String(second)); // malformed
		await topics.send(reserve, sagaMessage(2 ** 52, "CREATED"), "unknown"); // unknown order

		const after = await waitFor(async () => {
			const page = await scrape();
			const settled =
				value(page, messages, { topic: reserve, outcome: "duplicate" }) === 1 &&
				value(page, messages, { topic: reserve, outcome: "dead_lettered" }) === 2 &&
				value(page, "orders_outbox_published_total", { topic: orderTopic }) === 2;
			return settled ? page : undefined;
		}, "the counters to count the messages and published events");

		expect(value(after, messages, { topic: reserve, outcome: "applied", reason: "" })).toBe(1);
		expect(value(after, messages, { topic: reserve, outcome: "duplicate" })).toBe(1);
		expect(value(after, messages, { topic: reserve, outcome: "dead_lettered", reason: "malformed" })).toBe(1);
		expect(value(after, messages, { topic: reserve, outcome: "dead_lettered", reason: "unknown_order" })).toBe(1);
		// Every message of the partition the first one landed on is processed: nothing behind.
		expect(value(after, "orders_consumer_lag", { topic: reserve, partition: String(applied.partition) })).toBe(0);
		expect(value(after, "orders_outbox_backlog")).toBeGreaterThanOrEqual(0);
		expect(value(after, "orders_outbox_oldest_unsent_seconds")).toBeGreaterThanOrEqual(0);
		expect(restLatencyCount(after) - restLatencyCount(before)).toBeGreaterThanOrEqual(2);
		expect(value(after, "moleculer_request_time_bucket", { action: "orders.create", le: "+Inf" })).toBeGreaterThanOrEqual(2);
	});
});
