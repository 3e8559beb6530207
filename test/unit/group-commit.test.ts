/** When writes go alone, when they share a batch, and what a failed batch answers each write. */
import { groupCommit, type GroupCommitOptions } from "../../lib/platform/support/group-commit";

/** A database stand-in whose statements finish when the test says so; it records what each statement carried. */
function writes(overrides: Partial<GroupCommitOptions<number, string>> = {}) {
	const statements: Array<{ items: number[]; finish(err?: Error): void }> = [];
	const statement = (items: number[]) =>
		new Promise<string[]>((resolve, reject) => {
			statements.push({ items, finish: (err) => (err ? reject(err) : resolve(items.map((n) => `order ${n}`))) });
		});
	const write = groupCommit<number, string>({
		one: async (n) => (await statement([n]))[0],
		many: statement,
		retryAlone: (err) => (err as Error).message === "refused",
		maxInFlight: 2,
		maxBatch: 3,
		...overrides,
	});
	return { write, statements };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

it("a write goes at once and alone while fewer than maxInFlight statements run", async () => {
	const { write, statements } = writes();
	const first = write(1);
	const second = write(2);
	expect(statements.map((s) => s.items)).toEqual([[1], [2]]);
	statements.forEach((s) => s.finish());
	await expect(Promise.all([first, second])).resolves.toEqual(["order 1", "order 2"]);
});

it("writes that wait for a free slot go together, at most maxBatch in one statement", async () => {
	const { write, statements } = writes();
	const answers = [1, 2, 3, 4, 5, 6, 7].map(write);
	expect(statements.map((s) => s.items)).toEqual([[1], [2]]);
	statements[0].finish();
	await settle();
	expect(statements.map((s) => s.items)).toEqual([[1], [2], [3, 4, 5]]);
	statements[1].finish();
	await settle();
	expect(statements.map((s) => s.items)).toEqual([[1], [2], [3, 4, 5], [6, 7]]);
	statements.slice(2).forEach((s) => s.finish());
	await expect(Promise.all(answers)).resolves.toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `order ${n}`));
});

/** Three writes, one slot: the first finishes alone, then the batch [2, 3] fails with `err`. Answers each write's result or error message. */
async function batchFailing(err: Error) {
	const { write, statements } = writes({ maxInFlight: 1 });
	const answers = Promise.all([1, 2, 3].map((n) => write(n).catch((e: Error) => e.message)));
	statements[0].finish();
	await settle();
	statements[1].finish(err);
	await settle();
	return { answers, statements };
}

it("a batch whose statement was rolled back is tried write by write, so only the bad write fails", async () => {
	const { answers, statements } = await batchFailing(new Error("refused"));
	expect(statements.map((s) => s.items)).toEqual([[1], [2, 3], [2], [3]]);
	statements[2].finish(new Error("bad order 2"));
	statements[3].finish();
	await expect(answers).resolves.toEqual(["order 1", "bad order 2", "order 3"]);
});

it("any other failure of a batch (its commit's fate unknown) is every write's answer, and nothing is retried", async () => {
	const { answers, statements } = await batchFailing(new Error("connection lost"));
	await expect(answers).resolves.toEqual(["order 1", "connection lost", "connection lost"]);
	expect(statements).toHaveLength(2);
});

it("a slot freed by a failure still serves the queue", async () => {
	const { write, statements } = writes({ maxInFlight: 1 });
	const answers = [1, 2].map((n) => write(n).catch((err: Error) => err.message));
	statements[0].finish(new Error("connection lost"));
	await settle();
	statements[1].finish();
	await expect(Promise.all(answers)).resolves.toEqual(["connection lost", "order 2"]);
});
