/**
 * The outbox relay service on an in-memory broker with metrics on: its backlog
 * action, its gauges and counter, the relay's start and stop with the service.
 * The relay itself (lib/outbox/outbox-relay.ts) is mocked: its NOTIFY wake-up,
 * batches and crashes run against PostgreSQL and Kafka in
 * test/integration/outbox-*.test.ts.
 */
import { ServiceBroker, type ServiceSchema } from "moleculer";
import OutboxRelayService from "../../../services/outbox-relay.service";
import { createOutboxRelay, type OutboxRelay, type OutboxRelayConfig } from "../../../lib/outbox/outbox-relay";
import { SAGA_METRICS } from "../../../lib/platform/observability/metrics";
import { callFailure, startUnitBroker } from "../../support/unit-broker";
import { waitFor } from "../../support/wait";

jest.mock("../../../lib/outbox/outbox-relay");

const RELAY: OutboxRelayConfig = {
	databaseUrl: "postgres://nobody:secret@127.0.0.1:1/none",
	kafkaBrokers: ["127.0.0.1:1"],
	kafkaSecurity: {},
	orderTopic: "order",
	batchSize: 100,
	pollMs: 1_000,
	maxBackoffMs: 5_000,
	retentionMs: 60_000,
	cleanupMs: 60_000,
};
const relay = { start: jest.fn(async () => undefined), stop: jest.fn(async () => undefined), backlog: jest.fn() };

let broker: ServiceBroker;

beforeAll(async () => {
	jest.mocked(createOutboxRelay).mockReturnValue(relay as unknown as OutboxRelay);
	relay.backlog.mockResolvedValue({ unsent: 3, oldest_unsent_age_ms: 2_500 });
	broker = await startUnitBroker([{ ...OutboxRelayService, settings: { relay: RELAY } }], { metrics: { enabled: true, reporter: [] } });
});
afterAll(() => broker.stop());

const metricValue = (name: string, labels?: object) => broker.metrics.getMetric(name)?.get(labels)?.value;

it("makes one relay from the node's settings and starts it with the service", () => {
	expect(createOutboxRelay).toHaveBeenCalledTimes(1);
	expect(jest.mocked(createOutboxRelay).mock.calls[0][0]).toEqual(RELAY);
	expect(relay.start).toHaveBeenCalledTimes(1);
});

it("outbox-relay.backlog answers the relay's backlog", async () => {
	relay.backlog.mockResolvedValueOnce({ unsent: 0, oldest_unsent_age_ms: null });
	await expect(broker.call("outbox-relay.backlog")).resolves.toEqual({ unsent: 0, oldest_unsent_age_ms: null });
});

it("outbox-relay.backlog passes a failure on", async () => {
	relay.backlog.mockRejectedValueOnce(new Error("connect ECONNREFUSED 127.0.0.1:5432"));
	await expect(callFailure(broker.call("outbox-relay.backlog"))).resolves.toMatchObject({ message: "connect ECONNREFUSED 127.0.0.1:5432" });
});

it("exports the backlog as gauges (the oldest in seconds)", async () => {
	await waitFor(() => (metricValue(SAGA_METRICS.outboxBacklog) === 3 ? true : undefined), "the backlog gauge", 5_000);
	expect(metricValue(SAGA_METRICS.outboxOldestAge)).toBe(2.5);
});

it("counts what the relay publishes per topic", () => {
	const onPublished = jest.mocked(createOutboxRelay).mock.calls[0][3]!;
	onPublished("orders", 2);
	onPublished("orders", 5);
	expect(metricValue(SAGA_METRICS.outboxPublished, { topic: "orders" })).toBe(7);
});

it("refuses to be created without settings.relay", () => {
	expect(() => new ServiceBroker({ logger: false }).createService({ ...OutboxRelayService } as ServiceSchema)).toThrow("service outbox-relay: settings.relay is required");
});

it("refuses a bad setting in one line that names it and echoes no value", () => {
	const settings = { relay: { ...RELAY, databaseUrl: ["postgres://nobody:secret@127.0.0.1:1/none"], batchSize: 0 } };
	const create = () => new ServiceBroker({ logger: false }).createService({ ...OutboxRelayService, settings } as ServiceSchema);
	expect(create).toThrow(/^service outbox-relay: settings\.relay\.databaseUrl must be a string; settings\.relay\.batchSize must be a positive number$/);
	expect(create).not.toThrow(/secret/);
});

it("stops the relay with the service", async () => {
	await broker.stop();
	expect(relay.stop).toHaveBeenCalledTimes(1);
});
