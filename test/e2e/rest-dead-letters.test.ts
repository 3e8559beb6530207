/**
 * Dead letters over REST against a live node (gateway, orders, state and both
 * listeners; real PostgreSQL, Redis and Kafka): messages dead-lettered by the
 * listeners are listed with filters; a redrive applies a letter once and is
 * audited, a second changes nothing; redrives by order and by reason; bad input.
 */
import type { ServiceBroker } from "moleculer";
import type { Pool } from "pg";
import { freePort } from "../../dev/cluster/ports";
import { startNode } from "../support/cluster";
import { createOrder, historyOf, testPool, unknownOrderId } from "../support/orders-fixture";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { waitFor } from "../support/wait";
import { http } from "./rest-support";

const topics = useSagaTopics();

interface Letter {
	topic: string;
	partition: number;
	offset: string;
	reason: string;
	error: string;
	order_id: number | null;
	message: { key: string | null; value: string | null; headers: Record<string, string> };
	at: string;
	redrive: { outcome: string; reason: string | null; at: string } | null;
}
interface LetterPage {
	dead_letters: Letter[];
	next_cursor: string | null;
}
interface RedrivenLetter {
	topic: string;
	partition: number;
	offset: string;
	order_id: number | null;
	dead_letter_reason: string;
	outcome: string;
	reason?: string;
}
interface Redrive {
	redrive_id: number;
	who: string;
	at: string;
	selector: Record<string, unknown>;
	letters: RedrivenLetter[];
	more?: boolean;
}

let broker: ServiceBroker;
let pool: Pool;
let base: string;

beforeAll(async () => {
	pool = testPool();
	await topics.setUp();
	const port = await freePort();
	base = `http://127.0.0.1:${port}/api`;
	broker = await startNode(["api-gateway", "orders", "state", "reserve-listener", "payment-listener"], { PORT: String(port), OUT_OF_ORDER_WINDOW_MS: "1000" });
});
afterAll(async () => {
	await broker?.stop();
	await topics.tearDown();
	await pool?.end();
});

const list = async (query: string) => {
	const res = await http<LetterPage>(`${base}/dead-letters?${query}`);
	expect(res.status).toBe(200);
	return res.body;
};
const redrive = (body: unknown) => http<Redrive>(`${base}/dead-letters/redrive`, { method: "POST", json: body });
const states = async (orderId: number) => (await historyOf(pool, orderId)).states;

/** Waits until the listeners have dead-lettered `count` letters of the order (with `reason`), and returns them. */
const lettersOf = (orderId: number, reason: string, count = 1) =>
	waitFor(async () => {
		const { dead_letters } = await list(`order_id=${orderId}&reason=${reason}`);
		return dead_letters.length === count ? dead_letters : undefined;
	}, `${count} ${reason} dead letter(s) of order ${orderId}`);

/** An order whose PAYMENT message(s) came before its reserve, were parked and dead-lettered out_of_order; then the reserve came. */
async function orderWithOutOfOrderLetters(statuses: string[]): Promise<{ orderId: number; letters: Letter[] }> {
	const orderId = await createOrder(pool);
	for (const status of statuses) await topics.send(topics.payment, sagaMessage(orderId, status), String(orderId));
	const letters = await lettersOf(orderId, "out_of_order", statuses.length);
	await topics.send(topics.reserve, sagaMessage(orderId, "CREATED"), String(orderId));
	await waitFor(async () => ((await states(orderId)).includes("RESERVE_CREATED") ? true : undefined), `order ${orderId} reserved`);
	return { orderId, letters };
}

describe("GET /api/dead-letters", () => {
	it("lists what the listeners dead-lettered, with its position, reason, error, order and original message; filters by topic, reason and order", async () => {
		const sent = await topics.send(topics.reserve, "{oops", "k-malformed", { trace: "t-1" });
		const unknown = await unknownOrderId(pool);
		await topics.send(topics.reserve, sagaMessage(unknown, "CREATED"), String(unknown));

		const malformed = await waitFor(async () => {
			const { dead_letters } = await list(`topic=${topics.reserve}&reason=malformed`);
			return dead_letters.find((l) => l.offset === sent.offset && l.partition === sent.partition);
		}, "the malformed letter");
		expect(malformed).toEqual({
			topic: topics.reserve,
			partition: sent.partition,
			offset: sent.offset,
			reason: "malformed",
			error: "value is not JSON",
			order_id: null,
			message: { key: "k-malformed", value: "{oops", headers: { trace: "t-1" } },
			at: expect.any(String),
			redrive: null,
		});
		const [unknownLetter] = await lettersOf(unknown, "unknown_order");
		expect(unknownLetter).toMatchObject({ topic: topics.reserve, reason: "unknown_order", order_id: unknown, error: `order ${unknown} does not exist` });

		expect((await list(`topic=${topics.payment}&reason=malformed`)).dead_letters).toEqual([]);
		expect((await list(`topic=${topics.reserve}&reason=unknown_order`)).dead_letters.map((l) => l.order_id)).toEqual([unknown]);
	});

	it("pages newest first with limit and cursor", async () => {
		for (const n of [1, 2, 3]) await topics.send(topics.payment, `{page ${n}`, "k-page");
		const all = await waitFor(async () => {
			const { dead_letters } = await list(`topic=${topics.payment}&reason=malformed`);
			return dead_letters.length === 3 ? dead_letters : undefined;
		}, "three malformed payment letters");
		expect(all.map((l) => l.message.value)).toEqual(["{page 3", "{page 2", "{page 1"]);
		const first = await list(`topic=${topics.payment}&reason=malformed&limit=2`);
		expect(first.dead_letters.map((l) => l.message.value)).toEqual(["{page 3", "{page 2"]);
		const second = await list(`topic=${topics.payment}&reason=malformed&limit=2&cursor=${first.next_cursor}`);
		expect(second).toEqual({ dead_letters: [expect.objectContaining({ message: expect.objectContaining({ value: "{page 1" }) })], next_cursor: null });
	});
});

describe("POST /api/dead-letters/redrive", () => {
	it("applies one letter once (its order moves on), records the audit row; a second redrive changes nothing", async () => {
		const { orderId, letters } = await orderWithOutOfOrderLetters(["CREATED"]);
		const [letter] = letters;
		const one = { topic: letter.topic, partition: letter.partition, offset: letter.offset };
		// A cached read of the order's states, which the redrive must invalidate.
		expect((await http<{ order_states: unknown[] }>(`${base}/orders/${orderId}/states`)).body.order_states).toHaveLength(2);

		const first = await redrive(one);
		expect(first.status).toBe(200);
		const redriven = { ...one, order_id: orderId, dead_letter_reason: "out_of_order", outcome: "applied" };
		expect(first.body).toEqual({ redrive_id: expect.any(Number), who: "anonymous (authentication off)", at: expect.any(String), selector: one, letters: [redriven], more: false });
		expect(await states(orderId)).toEqual(["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED"]);
		const read = await http<{ order_states: Array<{ state: string }> }>(`${base}/orders/${orderId}/states`);
		expect(read.body.order_states.map((s) => s.state)).toEqual(["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED"]);

		const audit = await http<{ redrives: Redrive[] }>(`${base}/dead-letters/redrives?limit=500`);
		expect(audit.body.redrives.find((r) => r.redrive_id === first.body.redrive_id)).toEqual({ ...first.body, more: undefined });

		// The letter left the default listing (it is redriven) and shows how.
		expect((await list(`order_id=${orderId}`)).dead_letters).toEqual([]);
		const [shown] = (await list(`order_id=${orderId}&status=redriven`)).dead_letters;
		expect(shown.redrive).toEqual({ outcome: "applied", reason: null, at: expect.any(String) });

		const second = await redrive(one);
		expect(second.status).toBe(200);
		expect(second.body.letters).toEqual([{ ...redriven, outcome: "duplicate" }]);
		expect(second.body.redrive_id).toBeGreaterThan(first.body.redrive_id);
		expect(await states(orderId)).toEqual(["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED"]);
		const { rows } = await pool.query("SELECT count(*)::int AS n FROM applied_messages WHERE order_id = $1", [orderId]);
		expect(rows[0].n).toBe(2);
	});

	it("two redrives of one letter at the same moment: one applies it, the other finds it a duplicate", async () => {
		const { orderId, letters } = await orderWithOutOfOrderLetters(["CREATED"]);
		const one = { topic: letters[0].topic, partition: letters[0].partition, offset: letters[0].offset };
		const answers = await Promise.all([redrive(one), redrive(one)]);
		expect(answers.map((a) => a.status)).toEqual([200, 200]);
		expect(answers.map((a) => a.body.letters[0].outcome).sort()).toEqual(["applied", "duplicate"]);
		expect(await states(orderId)).toEqual(["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED"]);
	});

	it("by order_id: applies every letter of the order in one go, in order", async () => {
		const { orderId } = await orderWithOutOfOrderLetters(["CREATED", "COMPLETED"]);
		const res = await redrive({ order_id: orderId });
		expect(res.status).toBe(200);
		expect(res.body.selector).toEqual({ order_id: orderId });
		expect(res.body.letters.map((l) => [l.order_id, l.outcome])).toEqual([
			[orderId, "applied"],
			[orderId, "applied"],
		]);
		expect(await states(orderId)).toEqual(["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"]);
		// Nothing of the order is left dead: a second redrive by order finds nothing.
		expect((await redrive({ order_id: orderId })).body.letters).toEqual([]);
	});

	it("by topic and reason: applies what can follow now; a letter rejected again stays listed with its new outcome", async () => {
		const { orderId } = await orderWithOutOfOrderLetters(["CREATED"]);
		const res = await redrive({ topic: topics.payment, reason: "out_of_order" });
		expect(res.status).toBe(200);
		expect(res.body.letters).toContainEqual(expect.objectContaining({ order_id: orderId, outcome: "applied" }));
		expect(await states(orderId)).toContain("PAYMENT_CREATED");

		const unknown = await unknownOrderId(pool);
		await topics.send(topics.reserve, sagaMessage(unknown, "FAILED"), String(unknown));
		await lettersOf(unknown, "unknown_order");
		const again = await redrive({ topic: topics.reserve, reason: "unknown_order" });
		expect(again.body.letters).toContainEqual(expect.objectContaining({ order_id: unknown, outcome: "rejected", reason: "unknown_order" }));
		const [still] = (await list(`order_id=${unknown}`)).dead_letters;
		expect(still.redrive).toEqual({ outcome: "rejected", reason: "unknown_order", at: expect.any(String) });
	});

	it("404 for a letter that is not recorded, and no audit row", async () => {
		const before = (await http<{ redrives: Redrive[] }>(`${base}/dead-letters/redrives?limit=1`)).body.redrives[0]?.redrive_id ?? 0;
		const res = await redrive({ topic: topics.reserve, partition: 0, offset: "999999999" });
		expect(res.status).toBe(404);
		expect(res.body).toMatchObject({ name: "NotFoundError", code: 404, type: "DEAD_LETTER_NOT_FOUND" });
		expect((await http<{ redrives: Redrive[] }>(`${base}/dead-letters/redrives?limit=1`)).body.redrives[0]?.redrive_id ?? 0).toBe(before);
	});

	it.each([
		["an empty body", {}],
		["a topic alone", { topic: "reserve" }],
		["a letter without offset", { topic: "reserve", partition: 0 }],
		["an offset that is not a number", { topic: "reserve", partition: 0, offset: "abc" }],
		["a negative partition", { topic: "reserve", partition: -1, offset: 0 }],
		["an order_id that is not positive", { order_id: 0 }],
		["an order and a reason at once", { order_id: 1, topic: "reserve", reason: "malformed" }],
		["an unknown reason", { topic: "reserve", reason: "bored" }],
		["an unknown field", { order_id: 1, colour: "red" }],
	])("422 for %s", async (_what, body) => {
		const res = await redrive(body);
		expect(res.status).toBe(422);
		expect(res.body).toMatchObject({ name: "ValidationError", code: 422, type: "VALIDATION_ERROR" });
	});
});

describe("bad listing input", () => {
	it.each([
		["/dead-letters?limit=0"],
		["/dead-letters?limit=501"],
		["/dead-letters?reason=bored"],
		["/dead-letters?order_id=-1"],
		["/dead-letters?status=gone"],
		["/dead-letters?cursor=not-a-cursor"],
		["/dead-letters?colour=red"],
		["/dead-letters/redrives?limit=abc"],
	])("GET %s: 422", async (path) => {
		const res = await http(`${base}${path}`);
		expect(res.status).toBe(422);
		expect(res.body).toMatchObject({ code: 422, type: "VALIDATION_ERROR" });
	});
});
