import { decideBatch, keyOf, type ApplyRequest, type BatchInputs, type MessageSource } from "../../domain/state-batch";
import { decidedByCurrentState, furthestState, ORDER_STATES, type OrderState } from "../../domain/order-state";

const ORDER = 7;
const OTHER = 8;
const K1 = "11111111-1111-4111-8111-111111111111";
const K2 = "22222222-2222-4222-8222-222222222222";
const K3 = "33333333-3333-4333-8333-333333333333";
const source: MessageSource = { topic: "payment", partition: 0, offset: "5", key: null, value: "e30=", headers: {} };

const request = (state: OrderState, idempotent_key: string, withSource = true, order_id = ORDER): ApplyRequest => ({
	order_id,
	state,
	idempotent_key,
	...(withSource && { source }),
});

const inputs = (history: Array<[number, OrderState[]]>, more: Partial<BatchInputs> = {}): BatchInputs => ({
	history: new Map(history),
	applied: new Map(),
	parked: [],
	...more,
});

describe("decideBatch", () => {
	it("applies a state that may follow the recorded ones, and writes its state, key and current state", () => {
		const { outcomes, writes } = decideBatch([request("RESERVE_CREATED", K1)], inputs([[ORDER, ["ORDER_CREATED"]]]));
		expect(outcomes).toEqual([{ result: "applied" }]);
		expect(writes.states).toEqual([{ order_id: ORDER, state: "RESERVE_CREATED" }]);
		expect(writes.applied).toEqual([{ order_id: ORDER, idempotent_key: K1, state: "RESERVE_CREATED", topic: "payment", partition: 0, offset: "5" }]);
		expect([...writes.latest]).toEqual([[ORDER, "RESERVE_CREATED"]]);
		expect(writes.parked).toEqual([]);
		expect(writes.unparked).toEqual([]);
	});

	it("rejects a state for an order that does not exist, and writes nothing", () => {
		const { outcomes, writes } = decideBatch([request("RESERVE_CREATED", K1, true, OTHER)], inputs([[ORDER, ["ORDER_CREATED"]]]));
		expect(outcomes).toEqual([{ result: "rejected", reason: "unknown_order" }]);
		expect(writes.states).toEqual([]);
	});

	it("answers duplicate for a key already applied with the same state, whatever the case of the UUID", () => {
		const applied = new Map([[keyOf(ORDER, K1), { state: "RESERVE_CREATED" as const }]]);
		const { outcomes, writes } = decideBatch([request("RESERVE_CREATED", K1.toUpperCase())], inputs([[ORDER, ["ORDER_CREATED", "RESERVE_CREATED"]]], { applied }));
		expect(outcomes).toEqual([{ result: "duplicate" }]);
		expect(writes.applied).toEqual([]);
	});

	it("rejects a key already applied with another state as an idempotency conflict", () => {
		const applied = new Map([[keyOf(ORDER, K1), { state: "RESERVE_CREATED" as const }]]);
		const { outcomes } = decideBatch([request("RESERVE_FAILED", K1)], inputs([[ORDER, ["ORDER_CREATED", "RESERVE_CREATED"]]], { applied }));
		expect(outcomes).toEqual([{ result: "rejected", reason: "idempotency_conflict" }]);
	});

	it("answers duplicate for a key that is parked with the same state, and leaves it parked", () => {
		const parked = [{ order_id: String(ORDER), idempotent_key: K1, state: "PAYMENT_CREATED" as const }];
		const { outcomes, writes } = decideBatch([request("PAYMENT_CREATED", K1)], inputs([[ORDER, ["ORDER_CREATED"]]], { parked }));
		expect(outcomes).toEqual([{ result: "duplicate" }]);
		expect(writes.parked).toEqual([]);
		expect(writes.unparked).toEqual([]);
	});

	it("rejects a state that can never follow the recorded history", () => {
		const { outcomes, writes } = decideBatch([request("RESERVE_CREATED", K1)], inputs([[ORDER, ["ORDER_CREATED", "RESERVE_FAILED"]]]));
		expect(outcomes).toEqual([{ result: "rejected", reason: "invalid_transition" }]);
		expect(writes.states).toEqual([]);
	});

	it("parks an early state that comes with its source", () => {
		const early = request("PAYMENT_CREATED", K1);
		const { outcomes, writes } = decideBatch([early], inputs([[ORDER, ["ORDER_CREATED"]]]));
		expect(outcomes).toEqual([{ result: "parked" }]);
		expect(writes.parked).toEqual([early]);
		expect(writes.states).toEqual([]);
	});

	it("stores nothing for an early state without a source", () => {
		const { outcomes, writes } = decideBatch([request("PAYMENT_CREATED", K1, false)], inputs([[ORDER, ["ORDER_CREATED"]]]));
		expect(outcomes).toEqual([{ result: "early" }]);
		expect(writes.parked).toEqual([]);
	});

	it("stores nothing for an early state that comes with its position alone (the caller sends it again whole)", () => {
		const byPosition: ApplyRequest = { order_id: ORDER, state: "PAYMENT_CREATED", idempotent_key: K1, source: { topic: "payment", partition: 0, offset: "5" } };
		const { outcomes, writes } = decideBatch([byPosition], inputs([[ORDER, ["ORDER_CREATED"]]]));
		expect(outcomes).toEqual([{ result: "early" }]);
		expect(writes.parked).toEqual([]);
		expect(writes.states).toEqual([]);
	});

	it("records each applied key with where its message was read: the request's position, or the parked row's", () => {
		const where = { topic: "payment", partition: 2, offset: "41" };
		const parked = [{ order_id: String(ORDER), idempotent_key: K2, state: "PAYMENT_CREATED" as const, source: where }];
		const byPosition: ApplyRequest = { order_id: ORDER, state: "RESERVE_CREATED", idempotent_key: K1, source: { topic: "inventory", partition: 1, offset: "9" } };
		const { writes } = decideBatch([byPosition], inputs([[ORDER, ["ORDER_CREATED"]]], { parked }));
		expect(writes.applied.map(({ idempotent_key, topic, partition, offset }) => [idempotent_key, { topic, partition, offset }])).toEqual([
			[K1, { topic: "inventory", partition: 1, offset: "9" }],
			[K2, where],
		]);
	});

	it("lets parked messages of the table follow, in order, once their predecessor is applied", () => {
		const parked = [
			{ order_id: String(ORDER), idempotent_key: K3, state: "PAYMENT_COMPLETED" as const },
			{ order_id: String(ORDER), idempotent_key: K2, state: "PAYMENT_CREATED" as const },
		];
		const { outcomes, writes } = decideBatch([request("RESERVE_CREATED", K1)], inputs([[ORDER, ["ORDER_CREATED"]]], { parked }));
		expect(outcomes).toEqual([{ result: "applied" }]);
		expect(writes.states.map((s) => s.state)).toEqual(["RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"]);
		expect(writes.unparked).toEqual([
			{ order_id: ORDER, idempotent_key: K2 },
			{ order_id: ORDER, idempotent_key: K3 },
		]);
		expect(writes.latest.get(ORDER)).toBe("PAYMENT_COMPLETED");
	});

	it("applies a message parked earlier in the same batch when its predecessor follows, and never writes it to the table", () => {
		const { outcomes, writes } = decideBatch([request("PAYMENT_CREATED", K2), request("RESERVE_CREATED", K1)], inputs([[ORDER, ["ORDER_CREATED"]]]));
		expect(outcomes).toEqual([{ result: "applied" }, { result: "applied" }]);
		expect(writes.parked).toEqual([]);
		expect(writes.unparked).toEqual([]);
		expect(writes.states.map((s) => s.state)).toEqual(["RESERVE_CREATED", "PAYMENT_CREATED"]);
	});

	it("decides each request against the state the earlier requests of the batch left", () => {
		const { outcomes } = decideBatch(
			[request("RESERVE_CREATED", K1), request("RESERVE_CREATED", K1), request("RESERVE_FAILED", K2)],
			inputs([[ORDER, ["ORDER_CREATED"]]]),
		);
		expect(outcomes).toEqual([{ result: "applied" }, { result: "duplicate" }, { result: "rejected", reason: "invalid_transition" }]);
	});

	it("does not change the inputs it was given", () => {
		const given = inputs([[ORDER, ["ORDER_CREATED"]]]);
		decideBatch([request("RESERVE_CREATED", K1)], given);
		expect([...given.history]).toEqual([[ORDER, ["ORDER_CREATED"]]]);
		expect(given.applied.size).toBe(0);
	});

	it("judges a state against every recorded one: an imported history out of time order takes its next state", () => {
		const goHistory: OrderState[] = ["ORDER_CREATED", "PAYMENT_CREATED", "RESERVE_CREATED"];
		const { outcomes, writes } = decideBatch([request("PAYMENT_COMPLETED", K1)], inputs([[ORDER, goHistory]]));
		expect(outcomes).toEqual([{ result: "applied" }]);
		expect(writes.states).toEqual([{ order_id: ORDER, state: "PAYMENT_COMPLETED" }]);
		expect(writes.latest.get(ORDER)).toBe("PAYMENT_COMPLETED");
	});

	it("keeps the furthest state current when a state fills a gap of the history", () => {
		const { outcomes, writes } = decideBatch([request("RESERVE_CREATED", K1)], inputs([[ORDER, ["ORDER_CREATED", "PAYMENT_CREATED"]]]));
		expect(outcomes).toEqual([{ result: "applied" }]);
		expect(writes.latest.get(ORDER)).toBe("PAYMENT_CREATED");
	});

	it("unparks a message whose predecessor an imported history already holds out of order", () => {
		const parked = [{ order_id: String(ORDER), idempotent_key: K2, state: "PAYMENT_COMPLETED" as const }];
		const { outcomes, writes } = decideBatch([request("PAYMENT_CREATED", K1)], inputs([[ORDER, ["ORDER_CREATED", "RESERVE_CREATED"]]], { parked }));
		expect(outcomes).toEqual([{ result: "applied" }]);
		expect(writes.unparked).toEqual([{ order_id: ORDER, idempotent_key: K2 }]);
		expect(writes.latest.get(ORDER)).toBe("PAYMENT_COMPLETED");
	});
});

describe("decideBatch on an order's current state alone (the state store's read without its history)", () => {
	/** Every history of up to four states, in any order and with repeats, as an imported Go history may be. */
	const histories: OrderState[][] = [[]];
	for (let length = 1; length <= 4; length++) {
		for (const shorter of histories.filter((h) => h.length === length - 1)) for (const state of ORDER_STATES) histories.push([...shorter, state]);
	}
	const batches: OrderState[][] = [...ORDER_STATES.map((s) => [s]), ...ORDER_STATES.flatMap((a) => ORDER_STATES.map((b) => [a, b]))];
	const decideOn = (history: OrderState[], states: OrderState[]) =>
		decideBatch(
			states.map((state, i) => request(state, `${i}${K1.slice(1)}`)),
			inputs([[ORDER, history]]),
		);

	it("decides as the whole history does wherever decidedByCurrentState says the current state is enough", () => {
		let compared = 0;
		for (const history of histories.filter((h) => h.length > 0)) {
			const current = furthestState(history) as OrderState;
			for (const states of batches.filter((b) => decidedByCurrentState(current, b))) {
				const [whole, alone] = [decideOn(history, states), decideOn([current], states)];
				expect({ history, states, outcomes: alone.outcomes, latest: [...alone.writes.latest], recorded: alone.writes.states }).toEqual({
					history,
					states,
					outcomes: whole.outcomes,
					latest: [...whole.writes.latest],
					recorded: whole.writes.states,
				});
				compared++;
			}
		}
		expect(compared).toBeGreaterThan(500); // every history of up to four states with a non-terminal current state, and its batches
	});

	it("is never enough for a terminal state, nor for a state that does not directly follow it", () => {
		for (const terminal of ["RESERVE_FAILED", "PAYMENT_FAILED", "PAYMENT_COMPLETED"] as const) {
			expect(ORDER_STATES.some((next) => decidedByCurrentState(terminal, [next]))).toBe(false);
		}
		expect(decidedByCurrentState("ORDER_CREATED", ["PAYMENT_CREATED"])).toBe(false);
		expect(decidedByCurrentState("RESERVE_CREATED", ["PAYMENT_CREATED", "PAYMENT_COMPLETED"])).toBe(false);
		expect(decidedByCurrentState("RESERVE_CREATED", ["PAYMENT_CREATED"])).toBe(true);
	});
});
