/**
 * The reserve and payment listeners on an in-memory broker, `state` mocked as
 * a service: each starts its engine with its own topic and status mapping, the engine's batches go to `state.applyBatch`, and the
 * engine stops with the service. The engine (lib/listeners/) is mocked here: its
 * consuming, parking and dead-lettering run against Kafka and PostgreSQL in
 * test/integration/listener*.test.ts.
 */
import { ServiceBroker, type ServiceSchema } from "moleculer";
import ReserveListener from "../../../services/reserve-listener.service";
import PaymentListener from "../../../services/payment-listener.service";
import { ListenerEngine, type ListenerSettings } from "../../../lib/listeners/listener-engine";
import { paymentStates, reserveStates, type StatusMapping } from "../../../domain/saga-message";
import type { ApplyRequest } from "../../../domain/state-batch";
import { requestStop } from "../../../lib/platform/node/stop-request";
import { startUnitBroker } from "../../support/unit-broker";

jest.mock("../../../lib/listeners/listener-engine");

const settingsFor = (topic: string): ListenerSettings => ({
	topic,
	group: `${topic}-group`,
	consumers: { reserve: { topic: "inventory", group: "inventory-group" }, payment: { topic: "payment", group: "payment-group" } },
	kafkaBrokers: ["127.0.0.1:1"],
	clientIdPrefix: "unit",
	outOfOrderWindowMs: 1_000,
	databaseUrl: "postgres://nobody@127.0.0.1:1/none",
	dbPoolMax: 2,
	fromBeginning: false,
	kafkaSecurity: {},
	faultInjection: "off",
});

/** `state` as the listeners see it: applyBatch answers "applied" for each message and remembers them. */
const applied: ApplyRequest[][] = [];
const StateMock: Partial<ServiceSchema> = {
	name: "state",
	actions: {
		applyBatch(ctx) {
			const { messages } = ctx.params as { messages: ApplyRequest[] };
			applied.push(messages);
			return { outcomes: messages.map(() => ({ result: "applied" })) };
		},
	},
};

const engine = () => jest.mocked(ListenerEngine).mock.instances[0];
const engineOptions = () => jest.mocked(ListenerEngine).mock.calls[0][0];

describe.each<[string, Partial<ServiceSchema>, StatusMapping, string]>([
	["reserve-listener", ReserveListener, reserveStates, "inventory"],
	["payment-listener", PaymentListener, paymentStates, "payment"],
])("%s", (name, schema, mapping, topic) => {
	let broker: ServiceBroker;

	beforeEach(async () => {
		jest.mocked(ListenerEngine).mockClear();
		applied.length = 0;
		broker = await startUnitBroker([{ ...schema, settings: { listener: settingsFor(topic) } }, StateMock]);
	});
	afterEach(() => broker.stop());

	it("starts one engine with its topic, its status mapping and the node's id", () => {
		expect(ListenerEngine).toHaveBeenCalledTimes(1);
		expect(engineOptions()).toMatchObject({ settings: { topic, group: `${topic}-group` }, mapping, nodeId: broker.nodeID });
		expect(engine().start).toHaveBeenCalledTimes(1);
	});

	it("hands the engine's batches to state.applyBatch and the outcomes back", async () => {
		const messages: ApplyRequest[] = [{ order_id: 41, state: mapping.toState("CREATED"), idempotent_key: "0b7e4b62-3f43-4d5e-a1a6-3e2cc5d8a0f1" }];
		await expect(engineOptions().applyBatch(messages)).resolves.toEqual({ outcomes: [{ result: "applied" }] });
		expect(applied).toEqual([messages]);
	});

	it("tells the engine when the node is asked to stop, and stops it with the service", async () => {
		requestStop(broker);
		expect(engine().requestStop).toHaveBeenCalledTimes(1);
		await broker.stop();
		expect(engine().stop).toHaveBeenCalledTimes(1);
	});

	it("refuses to be created without settings.listener", () => {
		expect(() => new ServiceBroker({ logger: false }).createService({ ...schema } as ServiceSchema)).toThrow(`service ${name}: settings.listener is required`);
	});

	it("refuses a listener setting that breaks its rule", () => {
		const listener = { ...settingsFor(topic), faultInjection: "sometimes", consumers: { reserve: { topic: "inventory", group: "" } } };
		expect(() => new ServiceBroker({ logger: false }).createService({ ...schema, settings: { listener } } as ServiceSchema)).toThrow(
			new RegExp(`^service ${name}: settings\\.listener\\.consumers\\.reserve\\.group .*; settings\\.listener\\.consumers\\.payment is required; settings\\.listener\\.faultInjection `),
		);
	});
});
