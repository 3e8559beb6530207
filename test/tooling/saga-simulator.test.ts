import { planAnswers } from "../../dev/saga-simulator";

const topics = { order: "order", reserve: "reserve", payment: "payment" };
const rates = { reserveFailRate: 0.5, paymentRejectRate: 0.5, paymentFailRate: 0.5 };
/** Hands out the given numbers in turn, as Math.random would. */
const sequence = (...numbers: number[]) => () => numbers.shift() ?? 0.99;

describe("planAnswers", () => {
	it("fails the reserve and sends nothing to payment", () => {
		expect(planAnswers(rates, sequence(0.1), topics)).toEqual([{ topic: "reserve", status: "FAILED" }]);
	});

	it("rejects the payment after a reserve", () => {
		expect(planAnswers(rates, sequence(0.9, 0.1), topics)).toEqual([
			{ topic: "reserve", status: "CREATED" },
			{ topic: "payment", status: "FAILED" },
		]);
	});

	it("creates then fails the payment", () => {
		expect(planAnswers(rates, sequence(0.9, 0.9, 0.1), topics).map((a) => `${a.topic}:${a.status}`)).toEqual([
			"reserve:CREATED",
			"payment:CREATED",
			"payment:FAILED",
		]);
	});

	it("creates then completes the payment", () => {
		expect(planAnswers(rates, sequence(0.9, 0.9, 0.9), topics).map((a) => `${a.topic}:${a.status}`)).toEqual([
			"reserve:CREATED",
			"payment:CREATED",
			"payment:COMPLETED",
		]);
	});

	it("takes a reserve decided elsewhere (the products mode) over the reserve rate", () => {
		expect(planAnswers(rates, sequence(0.9), topics, "FAILED")).toEqual([{ topic: "reserve", status: "FAILED" }]);
		expect(planAnswers(rates, sequence(0.9, 0.9), topics, "CREATED").map((a) => `${a.topic}:${a.status}`)).toEqual([
			"reserve:CREATED",
			"payment:CREATED",
			"payment:COMPLETED",
		]);
		// A reserve rate that would fail every order does not matter then.
		expect(planAnswers({ ...rates, reserveFailRate: 1 }, sequence(0.9, 0.9), topics, "CREATED")[0]).toEqual({ topic: "reserve", status: "CREATED" });
	});

	it("follows the rates over many orders", () => {
		let seed = 42;
		const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
		const plans = Array.from({ length: 4000 }, () => planAnswers({ reserveFailRate: 0.25, paymentRejectRate: 0, paymentFailRate: 0 }, random, topics));
		const failed = plans.filter((p) => p.length === 1).length / plans.length;
		expect(failed).toBeGreaterThan(0.2);
		expect(failed).toBeLessThan(0.3);
	});
});
