/** When a parked message's predecessor can no longer arrive: the topics it waits for, and the watermark rule. */
import { awaitedSources, predecessorGone, sourceOf, type SagaSource } from "../../domain/parked-expiry";

describe("the topics a parked state waits for", () => {
	it("each state comes from one topic; ORDER_CREATED from none", () => {
		expect(sourceOf("ORDER_CREATED")).toBeNull();
		expect(sourceOf("RESERVE_CREATED")).toBe("reserve");
		expect(sourceOf("RESERVE_FAILED")).toBe("reserve");
		expect(sourceOf("PAYMENT_CREATED")).toBe("payment");
		expect(sourceOf("PAYMENT_FAILED")).toBe("payment");
		expect(sourceOf("PAYMENT_COMPLETED")).toBe("payment");
	});

	it("are the topics of the states between the recorded history and the parked one", () => {
		expect(awaitedSources(["ORDER_CREATED"], "PAYMENT_CREATED")).toEqual(["reserve"]);
		// PAYMENT_CREATED may come between RESERVE_CREATED and PAYMENT_FAILED.
		expect(awaitedSources(["ORDER_CREATED"], "PAYMENT_FAILED")).toEqual(["reserve", "payment"]);
		expect(awaitedSources(["ORDER_CREATED"], "PAYMENT_COMPLETED")).toEqual(["reserve", "payment"]);
		// Only its own topic: PAYMENT_CREATED is the one missing step.
		expect(awaitedSources(["ORDER_CREATED", "RESERVE_CREATED"], "PAYMENT_COMPLETED")).toEqual(["payment"]);
	});

	it("are none when nothing lies between (the state applies, or never can)", () => {
		expect(awaitedSources(["ORDER_CREATED"], "RESERVE_CREATED")).toEqual([]);
		expect(awaitedSources(["ORDER_CREATED", "RESERVE_FAILED"], "PAYMENT_CREATED")).toEqual([]);
	});
});

describe("a parked message's predecessor is gone", () => {
	const parkedAt = new Date("2026-01-01T00:00:00Z");
	const WINDOW = 60_000;
	const at = (ms: number) => new Date(parkedAt.getTime() + ms);
	const through = (marks: Partial<Record<SagaSource, Date | null>>) => (source: SagaSource) => marks[source] ?? null;

	it("once every awaited topic is consumed past the time it was parked plus the window", () => {
		expect(predecessorGone(parkedAt, WINDOW, ["reserve"], through({ reserve: at(WINDOW) }))).toBe(true);
		expect(predecessorGone(parkedAt, WINDOW, ["reserve", "payment"], through({ reserve: at(WINDOW), payment: at(2 * WINDOW) }))).toBe(true);
	});

	it("not while an awaited topic's consumer is behind, however long ago it was parked", () => {
		expect(predecessorGone(parkedAt, WINDOW, ["reserve"], through({ reserve: at(WINDOW - 1) }))).toBe(false);
		expect(predecessorGone(parkedAt, WINDOW, ["reserve", "payment"], through({ reserve: at(10 * WINDOW), payment: at(0) }))).toBe(false);
	});

	it("not while an awaited topic's consumer has told nothing (down, or never started)", () => {
		expect(predecessorGone(parkedAt, WINDOW, ["reserve"], through({ payment: at(10 * WINDOW) }))).toBe(false);
	});

	it("not when nothing is awaited (such a message is applied or rejected, not expired)", () => {
		expect(predecessorGone(parkedAt, WINDOW, [], through({ reserve: at(10 * WINDOW) }))).toBe(false);
	});
});
