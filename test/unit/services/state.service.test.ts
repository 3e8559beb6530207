/**
 * The state service on an in-memory broker: its input rules, how it hands a
 * batch to its store, the classification of a store failure, and the changed
 * orders it announces to the orders service (a mocked peer). Its store
 * (lib/state/state-store.ts) is mocked: the locking, the decision written in one
 * transaction and the retention job run against PostgreSQL in
 * test/integration/state.test.ts and the listener tests.
 */
import { randomUUID } from "node:crypto";
import { ConnectionRefusedError } from "sequelize";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import StateService from "../../../services/state.service";
import { applyBatch, pruneAppliedKeys } from "../../../lib/state/state-store";
import { ordersPeer } from "../../support/orders-peer";
import type { ApplyOutcome, ApplyRequest } from "../../../domain/state-batch";
import { STUB_SEQUELIZE } from "../../support/without-database";
import { callFailure, failedFields, startUnitBroker } from "../../support/unit-broker";

jest.mock("../../../mixins/db.mixin", () => jest.requireActual("../../support/without-database"));
jest.mock("../../../lib/state/state-store");

const RETENTION_MS = 3_600_000;
const SETTINGS = { appliedKeyRetentionMs: RETENTION_MS, sagaTopics: { reserve: "reserve", payment: "payment" } };
const request = (order_id: number, state: ApplyRequest["state"] = "RESERVE_CREATED"): ApplyRequest => ({ order_id, state, idempotent_key: randomUUID() });
const answers = (outcomes: ApplyOutcome[], changedOrderIds: number[] = []) => jest.mocked(applyBatch).mockResolvedValueOnce({ outcomes, changedOrderIds });

const orders = ordersPeer();
let broker: ServiceBroker;

beforeAll(async () => {
	broker = await startUnitBroker([{ ...StateService, settings: SETTINGS }, orders.schema]);
});
afterAll(() => broker.stop());
beforeEach(() => {
	jest.mocked(applyBatch).mockReset();
	orders.reset();
});

describe("state.apply", () => {
	it("hands the message to the store as a batch of one and answers its outcome", async () => {
		const message = request(41);
		answers([{ result: "applied" }], [41]);
		await expect(broker.call("state.apply", message)).resolves.toEqual({ result: "applied" });
		expect(applyBatch).toHaveBeenCalledWith(STUB_SEQUELIZE, [message]);
	});

	it.each([
		["order_id 0", { ...request(1), order_id: 0 }, "order_id"],
		["an unknown state", { ...request(1), state: "SHIPPED" }, "state"],
		["a key that is not a UUID", { ...request(1), idempotent_key: "key-1" }, "idempotent_key"],
		["a source with a negative partition", { ...request(1), source: { topic: "payment", partition: -1, offset: "5", key: null, value: "", headers: {} } }, "source.partition"],
		["a source offset that is not a number", { ...request(1), source: { topic: "payment", partition: 0, offset: "five", key: null, value: "", headers: {} } }, "source.offset"],
	])("refuses %s with a ValidationError", async (_name, params, field) => {
		const err = await callFailure(broker.call("state.apply", params));
		expect(err).toMatchObject({ name: "ValidationError", code: 422 });
		expect(failedFields(err)).toContain(field);
		expect(applyBatch).not.toHaveBeenCalled();
	});

	it("answers an unreachable database as DEPENDENCY_UNAVAILABLE (503), which a listener waits out", async () => {
		jest.mocked(applyBatch).mockRejectedValueOnce(new ConnectionRefusedError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })));
		const err = await callFailure(broker.call("state.apply", request(41)));
		expect(err).toMatchObject({ code: 503, type: "DEPENDENCY_UNAVAILABLE", retryable: false });
	});

	it("answers any other failure as PROCESSING_ERROR (500), which a listener dead-letters", async () => {
		jest.mocked(applyBatch).mockRejectedValueOnce(new Error("invalid input value for enum"));
		const err = await callFailure(broker.call("state.apply", request(41)));
		expect(err).toMatchObject({ code: 500, type: "PROCESSING_ERROR", message: "invalid input value for enum" });
	});
});

describe("state.applyBatch", () => {
	it("answers one outcome per message, in order", async () => {
		const messages = [request(41), request(42, "PAYMENT_CREATED")];
		const outcomes: ApplyOutcome[] = [{ result: "applied" }, { result: "rejected", reason: "invalid_transition" }];
		answers(outcomes, [41]);
		await expect(broker.call("state.applyBatch", { messages })).resolves.toEqual({ outcomes });
		expect(applyBatch).toHaveBeenCalledWith(STUB_SEQUELIZE, messages);
	});

	it("refuses an empty batch, and one with a bad message", async () => {
		await expect(callFailure(broker.call("state.applyBatch", { messages: [] }))).resolves.toMatchObject({ name: "ValidationError" });
		await expect(callFailure(broker.call("state.applyBatch", { messages: [request(1), { ...request(2), state: "NEW" }] }))).resolves.toMatchObject({
			name: "ValidationError",
			data: [{ field: "messages[1].state" }],
		});
		expect(applyBatch).not.toHaveBeenCalled();
	});
});

describe("the changed orders, announced to every orders node", () => {
	it("name the orders that changed and the redelivered ones, each once, after the batch committed", async () => {
		answers([{ result: "applied" }, { result: "duplicate" }, { result: "rejected", reason: "unknown_order" }, { result: "duplicate" }], [41]);
		await broker.call("state.applyBatch", { messages: [request(41), request(42), request(43), request(41, "PAYMENT_CREATED")] });
		expect(orders.announced).toEqual([{ ids: [41, 42] }]);
	});

	it("are not announced when nothing changed, nor when the store failed (nothing committed)", async () => {
		answers([{ result: "rejected", reason: "unknown_order" }], []);
		await broker.call("state.apply", request(43));
		jest.mocked(applyBatch).mockRejectedValueOnce(new Error("deadlock detected"));
		await callFailure(broker.call("state.apply", request(44)));
		expect(orders.announced).toEqual([]);
	});

	it("fail the batch when the announcement fails, so the listener redelivers it (and it is announced again as a duplicate)", async () => {
		answers([{ result: "applied" }], [45]);
		orders.failNext(new Error("Redis did not answer"));
		await expect(callFailure(broker.call("state.apply", request(45)))).resolves.toMatchObject({ message: "Redis did not answer" });
		answers([{ result: "duplicate" }], []);
		await expect(broker.call("state.apply", request(45))).resolves.toEqual({ result: "duplicate" });
		expect(orders.announced).toEqual([{ ids: [45] }, { ids: [45] }]);
	});
});

describe("state.pruneAppliedKeys", () => {
	it("runs the retention job with the configured retention and answers how many keys went", async () => {
		jest.mocked(pruneAppliedKeys).mockResolvedValueOnce(12);
		await expect(broker.call("state.pruneAppliedKeys")).resolves.toEqual({ deleted: 12 });
		expect(pruneAppliedKeys).toHaveBeenCalledWith(STUB_SEQUELIZE, RETENTION_MS);
	});
});

describe("its settings", () => {
	const create = (settings: object) => () => new ServiceBroker({ logger: false }).createService({ ...StateService, settings } as ServiceSchema);

	it("refuses to be created without settings.sagaTopics", () => {
		expect(create({ appliedKeyRetentionMs: RETENTION_MS })).toThrow("service state: settings.sagaTopics is required");
	});

	it("refuses a bad setting in one line that names it and echoes no value", () => {
		const bad = create({ appliedKeyRetentionMs: -1, sagaTopics: { reserve: "secret-topic", payment: 7 } });
		expect(bad).toThrow(/^service state: settings\.appliedKeyRetentionMs must be a positive number; settings\.sagaTopics\.payment must be a string$/);
		expect(bad).not.toThrow(/secret/);
	});
});
