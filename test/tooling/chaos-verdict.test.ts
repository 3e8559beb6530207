import { judge, type Facts } from "../../dev/chaos/invariants";
import { percentile, recoveries } from "../../dev/chaos/recovery";

const K1 = "11111111-1111-4111-8111-111111111111";
const K2 = "22222222-2222-4222-8222-222222222222";
const E1 = "33333333-3333-4333-8333-333333333333";
const R1 = "44444444-4444-4444-8444-444444444444";

/** One order through a failed reserve: everything where it belongs. */
function healthy(): Facts {
	return {
		created: [{ key: K1, orderId: 1 }],
		orders: [{ orderId: 1, key: K1, states: ["ORDER_CREATED", "RESERVE_FAILED"] }],
		applied: [{ orderId: 1, key: R1, state: "RESERVE_FAILED" }],
		outbox: [{ orderId: 1, key: E1, sent: true }],
		published: [
			{ orderId: 1, key: E1 },
			{ orderId: 1, key: E1 },
		],
		consumed: [{ orderId: 1, key: R1, state: "RESERVE_FAILED" }],
		deadLetters: [],
		parked: 0,
		answers: { "201": 1, "200": 1, "503": 2, ECONNREFUSED: 3 },
	};
}

const broken = (facts: Facts) => judge(facts).checks.filter((c) => !c.ok).map((c) => c.name);

describe("the verdict", () => {
	it("holds for a healthy run and counts duplicate events without failing on them", () => {
		const judgement = judge(healthy());
		expect(broken(healthy())).toEqual([]);
		expect(judgement).toMatchObject({ lost: 0, doubled: 0, publishedDuplicates: 1 });
	});

	it("finds a create answered 201 that is not in the database", () => {
		const facts = healthy();
		facts.created.push({ key: K2, orderId: 2 });
		expect(broken(facts)).toEqual(["every create answered 201 exists exactly once"]);
		expect(judge(facts).lost).toBe(1);
	});

	it("finds a state recorded twice", () => {
		const facts = healthy();
		facts.orders[0].states.push("RESERVE_FAILED");
		expect(broken(facts)).toContain("no state twice; one applied message per state");
		expect(judge(facts).doubled).toBeGreaterThan(0);
	});

	it("finds an order stuck half-way, also when a dead letter explains it", () => {
		const facts = healthy();
		facts.orders[0].states = ["ORDER_CREATED"];
		facts.applied = [];
		facts.deadLetters.push({ orderId: 1, key: R1, reason: "out_of_order" });
		expect(broken(facts)).toEqual(["every answered order reached the terminal state its peers answered", "no dead letters"]);
	});

	it("finds an order that ended in another terminal state than its peers answered", () => {
		const facts = healthy();
		facts.consumed = [{ orderId: 1, key: R1, state: "RESERVE_CREATED" }, { orderId: 1, key: K2, state: "PAYMENT_FAILED" }];
		facts.applied = [{ orderId: 1, key: R1, state: "RESERVE_CREATED" }];
		facts.orders[0].states = ["ORDER_CREATED", "RESERVE_CREATED"];
		expect(broken(facts)).toEqual(["every answered order reached the terminal state its peers answered", "every consumed message applied once or dead-lettered"]);
	});

	it("finds an order its peers never answered", () => {
		const facts = healthy();
		facts.orders[0].states = ["ORDER_CREATED"];
		facts.applied = [];
		facts.consumed = [];
		expect(broken(facts)).toEqual(["every order answered by its peers"]);
	});

	it("fails a run that created no order", () => {
		const empty: Facts = { created: [], orders: [], applied: [], outbox: [], published: [], consumed: [], deadLetters: [], parked: 0, answers: {} };
		expect(broken(empty)).toEqual(["the run created orders"]);
	});

	it("finds an unsent outbox row, an event missing from Kafka and a consumed message never applied", () => {
		const facts = healthy();
		facts.outbox[0].sent = false;
		facts.published = [];
		facts.applied = [];
		facts.orders[0].states = ["ORDER_CREATED"];
		expect(broken(facts)).toEqual(
			expect.arrayContaining(["every outbox row sent", "every order event on Kafka at least once", "every consumed message applied once or dead-lettered"]),
		);
	});

	it.each(["out_of_order", "invalid_transition", "processing_error"])("fails on any dead letter (%s) of a message that was also applied", (reason) => {
		const facts = healthy();
		facts.deadLetters.push({ orderId: 1, key: R1, reason });
		expect(broken(facts)).toEqual(["no dead letters"]);
	});

	it("refuses a 500 to a client", () => {
		const facts = healthy();
		facts.answers["500"] = 1;
		expect(broken(facts)).toEqual(["REST answered only 200/201/4xx/503"]);
	});
});

describe("recovery after a fault", () => {
	const fault = { name: "cut postgres", start: 1_000, end: 5_000 };

	it("is the later of the first create sent after the fault and the first saga progress after it", () => {
		const creates = [
			{ sentAt: 4_000, answeredAt: 5_500 }, // sent during the fault: does not count
			{ sentAt: 5_100, answeredAt: 6_000 },
		];
		expect(recoveries([fault], creates, [4_500, 7_000])).toEqual([{ ...fault, recoveredMs: 2_000 }]);
	});

	it("is missing when nothing succeeded after the fault", () => {
		expect(recoveries([fault], [{ sentAt: 5_100, answeredAt: 6_000 }], [])[0].recoveredMs).toBeNull();
	});

	it("percentiles by nearest rank", () => {
		expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
		expect(percentile([5, 1, 3, 2, 4], 99)).toBe(5);
		expect(percentile([], 99)).toBeNull();
	});
});
