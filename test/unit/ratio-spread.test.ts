import { ratioSpread, spreadText } from "../../bench/ratio-spread";

describe("ratioSpread", () => {
	it("gives the least, median and most of the pairs' ratios, rounded as a figure's ratio is", () => {
		expect(ratioSpread([60, 70, 66], [100, 100, 100])).toEqual({ min: 0.6, median: 0.66, max: 0.7, pairs: 3 });
		expect(ratioSpread([1, 2], [3, 3])).toEqual({ min: 0.33, median: 0.5, max: 0.67, pairs: 2 });
	});

	it("pairs the rates by index, not by rank", () => {
		// Sorted apart, both sides would pair 50/100 and 100/200 (0.5 each); by index they are 2 and 0.25.
		expect(ratioSpread([100, 50], [50, 200])).toEqual({ min: 0.25, median: 1.13, max: 2, pairs: 2 });
	});

	it("takes the middle pair's ratio as the median of an odd count, the mean of the middle two of an even one", () => {
		expect(ratioSpread([5, 1, 3], [1, 1, 1]).median).toBe(3);
		expect(ratioSpread([4, 1, 3, 2], [1, 1, 1, 1]).median).toBe(2.5);
	});

	it("refuses sides of different lengths, or no pairs", () => {
		expect(() => ratioSpread([1, 2], [1])).toThrow("2 service rates against 1 raw ones");
		expect(() => ratioSpread([], [])).toThrow("0 service rates");
	});

	it("reads as the tables give it", () => {
		expect(spreadText({ min: 0.58, median: 0.64, max: 0.71, pairs: 6 })).toBe("pairs 0.58–0.71, n=6");
	});
});
