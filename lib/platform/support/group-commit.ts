/**
 * Group commit: concurrent writes of the same kind share one statement and one
 * commit when the database is busy. A write that finds fewer than `maxInFlight`
 * batches in flight goes at once, alone (a quiet service adds no wait); the
 * writes that arrive while the limit is reached queue, and the next free slot
 * takes the whole queue (up to `maxBatch`) as one batch. Under load a batch
 * pays one round trip, one plan and one WAL flush for all its writes.
 *
 * A batch is one transaction, so one bad write would fail the others: when the
 * batch's statement failed and was rolled back (`retryAlone`), each write is
 * tried again alone and only the bad one fails. Any other failure (the
 * connection lost, so the commit's fate is unknown) is every write's answer.
 */
export interface GroupCommitOptions<T, R> {
	/** One write alone. */
	one(item: T): Promise<R>;
	/** Several writes in one statement; answers in the order of `items`. */
	many(items: T[]): Promise<R[]>;
	/** True when `err` proves the batch wrote nothing (the statement failed and was rolled back). */
	retryAlone(err: unknown): boolean;
	maxInFlight: number;
	maxBatch: number;
}

interface Waiting<T, R> {
	item: T;
	resolve(result: R): void;
	reject(err: unknown): void;
}

export type GroupCommit<T, R> = (item: T) => Promise<R>;

export function groupCommit<T, R>(options: GroupCommitOptions<T, R>): GroupCommit<T, R> {
	let inFlight = 0;
	const queue: Array<Waiting<T, R>> = [];

	const answerEach = (batch: Array<Waiting<T, R>>) =>
		batch.map(async (w) => {
			try {
				w.resolve(await options.one(w.item));
			} catch (err) {
				w.reject(err);
			}
		});

	async function run(batch: Array<Waiting<T, R>>): Promise<void> {
		inFlight++;
		try {
			if (batch.length === 1) {
				await Promise.all(answerEach(batch));
				return;
			}
			try {
				const results = await options.many(batch.map((w) => w.item));
				batch.forEach((w, i) => w.resolve(results[i]));
			} catch (err) {
				if (!options.retryAlone(err)) batch.forEach((w) => w.reject(err));
				else await Promise.all(answerEach(batch));
			}
		} finally {
			inFlight--;
			next();
		}
	}

	function next(): void {
		if (queue.length === 0 || inFlight >= options.maxInFlight) return;
		void run(queue.splice(0, options.maxBatch));
	}

	return (item) =>
		new Promise<R>((resolve, reject) => {
			queue.push({ item, resolve, reject });
			next();
		});
}
