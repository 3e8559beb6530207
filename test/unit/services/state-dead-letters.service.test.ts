/**
 * The dead-letter actions of the state service on an in-memory broker: their
 * input rules, the operator check, what they hand the store, the shape they
 * answer, the errors, and the changed orders a redrive announces. The store
 * (lib/dead-letters/dead-letter-store.ts) and the redrive's transaction
 * (lib/dead-letters/redrive.ts) are mocked: they run against PostgreSQL in
 * test/integration/dead-letter.test.ts and test/e2e/rest-dead-letters.test.ts.
 */
import { ConnectionRefusedError } from "sequelize";
import type { ServiceBroker } from "moleculer";
import StateService from "../../../services/state.service";
import { countDeadLetters, listDeadLetters, listRedrives, type StoredLetter } from "../../../lib/dead-letters/dead-letter-store";
import { redrive, UnknownLetterError } from "../../../lib/dead-letters/redrive";
import { encodeCursor } from "../../../domain/order-cursor";
import { STUB_SEQUELIZE } from "../../support/without-database";
import { callFailure, failedFields, startUnitBroker } from "../../support/unit-broker";
import { ordersPeer } from "../../support/orders-peer";

jest.mock("../../../mixins/db.mixin", () => jest.requireActual("../../support/without-database"));
jest.mock("../../../lib/state/state-store");
jest.mock("../../../lib/dead-letters/dead-letter-store");
jest.mock("../../../lib/dead-letters/redrive", () => ({ ...jest.requireActual("../../../lib/dead-letters/redrive"), redrive: jest.fn() }));

const TOPICS = { reserve: "reserve-topic", payment: "payment-topic" };
const OPERATOR = { user: { userId: null, operator: true, subject: "ops-1" } };
const CUSTOMER = { user: { userId: 7, operator: false } };
const AT = new Date("2026-01-02T03:04:05Z");

const storedLetter = (id: string, order_id: string | null = "41"): StoredLetter => ({
	id,
	topic: TOPICS.payment,
	partition: 0,
	offset: "12",
	reason: "unknown_order",
	error: "order 41 does not exist",
	order_id,
	idempotent_key: null,
	message_key: Buffer.from("41"),
	message_value: Buffer.from('{"order_id":41}'),
	message_headers: { trace: Buffer.from("abc").toString("base64") },
	dead_lettered_at: AT,
	redrive_outcome: null,
	redrive_reason: null,
	redriven_at: null,
});

const orders = ordersPeer();
let broker: ServiceBroker;

beforeAll(async () => {
	broker = await startUnitBroker([{ ...StateService, settings: { appliedKeyRetentionMs: 3_600_000, sagaTopics: TOPICS } }, orders.schema]);
});
afterAll(() => broker.stop());
beforeEach(() => {
	jest.resetAllMocks();
	orders.reset();
});

describe("state.deadLetters", () => {
	it("hands the store the filter with one row more than the page, and answers the letters readable with a cursor to the next page", async () => {
		jest.mocked(listDeadLetters).mockResolvedValueOnce([storedLetter("9"), storedLetter("8"), storedLetter("7")]);
		const answer = await broker.call("state.deadLetters", { topic: TOPICS.payment, reason: "unknown_order", order_id: "41", limit: "2" }, { meta: OPERATOR });
		expect(listDeadLetters).toHaveBeenCalledWith(STUB_SEQUELIZE, { topic: TOPICS.payment, reason: "unknown_order", orderId: 41, status: "dead", beforeId: undefined, limit: 3 });
		expect(answer).toEqual({
			dead_letters: [expect.objectContaining({ offset: "12", order_id: 41, message: { key: "41", value: '{"order_id":41}', headers: { trace: "abc" } }, at: AT, redrive: null }), expect.anything()],
			next_cursor: encodeCursor(8),
		});
	});

	it("passes a cursor on as the id to read below, and answers no cursor on the last page", async () => {
		jest.mocked(listDeadLetters).mockResolvedValueOnce([storedLetter("4", null)]);
		const answer = await broker.call("state.deadLetters", { cursor: encodeCursor(5), status: "all" }, { meta: OPERATOR });
		expect(listDeadLetters).toHaveBeenCalledWith(STUB_SEQUELIZE, expect.objectContaining({ beforeId: 5, status: "all" }));
		expect(answer).toMatchObject({ dead_letters: [{ order_id: null }], next_cursor: null });
	});

	it.each([
		["an unknown reason", { reason: "lost" }, "reason"],
		["an unknown status", { status: "gone" }, "status"],
		["order_id 0", { order_id: "0" }, "order_id"],
		["a limit of 0", { limit: "0" }, "limit"],
	])("refuses %s with a ValidationError naming the field", async (_name, params, field) => {
		const err = await callFailure(broker.call("state.deadLetters", params, { meta: OPERATOR }));
		expect(err).toMatchObject({ name: "ValidationError", code: 422 });
		expect(failedFields(err)).toContain(field);
		expect(listDeadLetters).not.toHaveBeenCalled();
	});

	it("refuses a field it does not know, naming it", async () => {
		const err = await callFailure(broker.call("state.deadLetters", { colour: "red" }, { meta: OPERATOR }));
		expect(err).toMatchObject({ name: "ValidationError", code: 422, data: [{ type: "objectStrict", actual: "colour" }] });
		expect(listDeadLetters).not.toHaveBeenCalled();
	});

	it("refuses a cursor it did not give out, naming the field", async () => {
		const err = await callFailure(broker.call("state.deadLetters", { cursor: "not-a-cursor" }, { meta: OPERATOR }));
		expect(err).toMatchObject({ name: "ValidationError", code: 422 });
		expect(failedFields(err)).toEqual(["cursor"]);
		expect(listDeadLetters).not.toHaveBeenCalled();
	});
});

describe("the operator check", () => {
	it.each([
		["state.deadLetters", {}],
		["state.deadLetterSummary", {}],
		["state.redrives", {}],
		["state.redrive", { order_id: 41 }],
	])("%s answers 403 to a caller who is not an operator, before reading anything", async (action, params) => {
		const err = await callFailure(broker.call(action, params, { meta: CUSTOMER }));
		expect(err).toMatchObject({ code: 403, type: "FORBIDDEN" });
		for (const store of [listDeadLetters, countDeadLetters, listRedrives, redrive]) expect(store).not.toHaveBeenCalled();
	});

	it("lets any caller in when authentication is off (no user in meta)", async () => {
		jest.mocked(countDeadLetters).mockResolvedValueOnce([]);
		await expect(broker.call("state.deadLetterSummary")).resolves.toEqual({ counts: [] });
	});
});

describe("state.deadLetterSummary", () => {
	it("answers the store's counts", async () => {
		const counts = [{ topic: TOPICS.reserve, reason: "malformed", count: 3 }];
		jest.mocked(countDeadLetters).mockResolvedValueOnce(counts);
		await expect(broker.call("state.deadLetterSummary", {}, { meta: OPERATOR })).resolves.toEqual({ counts });
		expect(countDeadLetters).toHaveBeenCalledWith(STUB_SEQUELIZE);
	});

	it("answers an unreachable database as 503 and any other failure as a bare 500", async () => {
		jest.mocked(countDeadLetters).mockRejectedValueOnce(new ConnectionRefusedError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })));
		await expect(callFailure(broker.call("state.deadLetterSummary", {}, { meta: OPERATOR }))).resolves.toMatchObject({ code: 503 });
		jest.mocked(countDeadLetters).mockRejectedValueOnce(new Error('relation "dead_letters" does not exist'));
		const err = await callFailure(broker.call("state.deadLetterSummary", {}, { meta: OPERATOR }));
		expect(err).toMatchObject({ code: 500, message: "Internal error" });
	});
});

describe("state.redrives", () => {
	it("hands the store the cursor and one row more than the page, and answers the audit", async () => {
		const record = { id: "3", who: "ops-1", at: AT, selector: { order_id: 41 }, letters: [] };
		jest.mocked(listRedrives).mockResolvedValueOnce([record]);
		await expect(broker.call("state.redrives", { limit: "5", cursor: encodeCursor(4) }, { meta: OPERATOR })).resolves.toEqual({
			redrives: [{ redrive_id: 3, who: "ops-1", at: AT, selector: { order_id: 41 }, letters: [] }],
			next_cursor: null,
		});
		expect(listRedrives).toHaveBeenCalledWith(STUB_SEQUELIZE, 4, 6);
	});

	it("refuses an unknown field and a bad limit, naming them", async () => {
		expect(failedFields(await callFailure(broker.call("state.redrives", { limit: "x" }, { meta: OPERATOR })))).toContain("limit");
		await expect(callFailure(broker.call("state.redrives", { topic: "t" }, { meta: OPERATOR }))).resolves.toMatchObject({ data: [{ type: "objectStrict", actual: "topic" }] });
		expect(listRedrives).not.toHaveBeenCalled();
	});
});

describe("state.redrive", () => {
	const result = (changedOrderIds: number[]) => ({ id: "5", who: "ops-1", at: AT, selector: { order_id: 41 }, letters: [], more: false, changedOrderIds });

	it.each([
		["one letter", { topic: TOPICS.payment, partition: 0, offset: 12 }, { topic: TOPICS.payment, partition: 0, offset: "12" }],
		["an order's letters", { order_id: "41" }, { order_id: 41 }],
		["a topic's letters with a reason", { topic: TOPICS.reserve, reason: "malformed" }, { topic: TOPICS.reserve, reason: "malformed" }],
	])("hands the redrive %s, the topics' mappings and the caller's name, and answers the audit", async (_name, params, selector) => {
		jest.mocked(redrive).mockResolvedValueOnce(result([]));
		await expect(broker.call("state.redrive", params, { meta: OPERATOR })).resolves.toEqual({ redrive_id: 5, who: "ops-1", at: AT, selector: { order_id: 41 }, letters: [], more: false });
		const [db, mappings, who, given] = jest.mocked(redrive).mock.calls[0];
		expect([db, [...mappings.keys()], who, given]).toEqual([STUB_SEQUELIZE, [TOPICS.reserve, TOPICS.payment], "ops-1", selector]);
	});

	it("names a caller without a token by what it says it is", async () => {
		jest.mocked(redrive).mockResolvedValueOnce(result([]));
		await broker.call("state.redrive", { order_id: 41 }, { meta: { who: "repl alice" } });
		expect(jest.mocked(redrive).mock.calls[0][2]).toBe("repl alice");
	});

	it.each([
		["nothing", {}],
		["a letter without its offset", { topic: TOPICS.payment, partition: 0 }],
		["an order and a topic", { order_id: 41, topic: TOPICS.payment }],
	])("refuses %s with a ValidationError listing the allowed shapes", async (_name, params) => {
		const err = await callFailure(broker.call("state.redrive", params, { meta: OPERATOR }));
		expect(err).toMatchObject({ name: "ValidationError", code: 422 });
		expect(err.message).toMatch(/Name one letter/);
		expect(redrive).not.toHaveBeenCalled();
	});

	it.each([
		["a negative partition", { topic: TOPICS.payment, partition: -1, offset: 1 }, "partition"],
		["an offset that is not one", { topic: TOPICS.payment, partition: 0, offset: "1.5" }, "offset"],
		["an unknown reason", { topic: TOPICS.payment, reason: "lost" }, "reason"],
	])("refuses %s with a ValidationError naming the field", async (_name, params, field) => {
		expect(failedFields(await callFailure(broker.call("state.redrive", params, { meta: OPERATOR })))).toContain(field);
		expect(redrive).not.toHaveBeenCalled();
	});

	it("answers 404 DEAD_LETTER_NOT_FOUND when the named letter is not recorded", async () => {
		jest.mocked(redrive).mockRejectedValueOnce(new UnknownLetterError("no dead letter at payment-topic/0/99"));
		const err = await callFailure(broker.call("state.redrive", { topic: TOPICS.payment, partition: 0, offset: 99 }, { meta: OPERATOR }));
		expect(err).toMatchObject({ code: 404, type: "DEAD_LETTER_NOT_FOUND", data: { topic: TOPICS.payment, partition: 0, offset: "99" } });
	});

	it("announces the orders it changed to the orders nodes, and nothing when it changed none", async () => {
		jest.mocked(redrive).mockResolvedValueOnce(result([41]));
		await broker.call("state.redrive", { order_id: 41 }, { meta: OPERATOR });
		jest.mocked(redrive).mockResolvedValueOnce(result([]));
		await broker.call("state.redrive", { order_id: 42 }, { meta: OPERATOR });
		expect(orders.announced).toEqual([{ ids: [41] }]);
	});
});
