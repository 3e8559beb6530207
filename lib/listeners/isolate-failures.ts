/**
 * Finds the items of a batch that make it fail, by halving: a batch that fails
 * is split in two and each half tried on its own, down to single items. The
 * items that fail alone come back as failures, the rest with their results, in
 * the batch's order. Costs about 2·k·log2(n) tries for k bad items among n.
 *
 * `fatal` says which errors are not about the items (the database away): those
 * are rethrown at once, so the caller waits and retries the whole batch rather
 * than blame an item for an outage.
 */
export type Isolated<T> = { ok: true; value: T } | { ok: false; error: Error };

export async function isolateFailures<I, T>(
	items: I[],
	run: (items: I[]) => Promise<T[]>,
	fatal: (err: unknown) => boolean,
): Promise<Array<Isolated<T>>> {
	try {
		return (await run(items)).map((value) => ({ ok: true, value }));
	} catch (err) {
		if (fatal(err)) throw err;
		if (items.length === 1) return [{ ok: false, error: err instanceof Error ? err : new Error(String(err)) }];
		const half = Math.ceil(items.length / 2);
		// One half after the other: the items keep their order (a partition's messages apply in offset order).
		const first = await isolateFailures(items.slice(0, half), run, fatal);
		return [...first, ...(await isolateFailures(items.slice(half), run, fatal))];
	}
}
