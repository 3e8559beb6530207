import { joinedApply } from "../../lib/listeners/joined-apply";

describe("joinedApply", () => {
	const recorder = () => {
		const calls: number[][] = [];
		const apply = async (requests: number[]) => {
			calls.push(requests);
			return requests.map((r) => r * 10);
		};
		return { calls, apply };
	};

	it("joins small batches started in the same turn into one call, each caller getting its own outcomes", async () => {
		const { calls, apply } = recorder();
		const joined = joinedApply(apply, 100);
		const answers = await Promise.all([joined([1, 2]), joined([3]), joined([4, 5, 6])]);
		expect(calls).toEqual([[1, 2, 3, 4, 5, 6]]);
		expect(answers).toEqual([[10, 20], [30], [40, 50, 60]]);
	});

	it("sends a large batch alone and does not hold it for the turn", async () => {
		const { calls, apply } = recorder();
		const joined = joinedApply(apply, 3);
		const big = joined([1, 2, 3]);
		expect(calls).toEqual([[1, 2, 3]]); // called at once, not at the end of the turn
		const small = joined([4]);
		expect(await big).toEqual([10, 20, 30]);
		expect(await small).toEqual([40]);
		expect(calls).toEqual([[1, 2, 3], [4]]);
	});

	it("gives the joint call's error to every caller of that call, and later calls start afresh", async () => {
		let fail = true;
		const joined = joinedApply(async (requests: number[]) => {
			if (fail) throw new Error("database away");
			return requests;
		}, 100);
		const results = await Promise.allSettled([joined([1]), joined([2])]);
		expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
		expect((results[0] as PromiseRejectedResult).reason.message).toBe("database away");
		fail = false;
		expect(await joined([3])).toEqual([3]);
	});

	it("keeps calls of different turns apart", async () => {
		const { calls, apply } = recorder();
		const joined = joinedApply(apply, 100);
		await joined([1]);
		await joined([2]);
		expect(calls).toEqual([[1], [2]]);
	});
});
