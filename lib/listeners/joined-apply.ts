/**
 * Joins the small applies that a listener's partitions start in the same turn
 * of the event loop into ONE `state.applyBatch` call: one transaction, one
 * cache invalidation and one broker call for a whole fetch instead of one per
 * partition. At a steady rate a fetch brings a few messages per partition, and
 * the per-transaction cost is most of the work; a large batch (a backlog) goes
 * alone, so the partitions' transactions keep running side by side. Each
 * caller gets the outcomes of its own requests, or the error of the joint call
 * (then each partition retries on its own terms). The state store locks the
 * orders of a batch in order_id order, so a joint batch never deadlocks.
 */
export type ApplyFn<Req, Out> = (requests: Req[]) => Promise<Out[]>;

interface Waiting<Req, Out> {
	requests: Req[];
	resolve(outcomes: Out[]): void;
	reject(err: unknown): void;
}

export function joinedApply<Req, Out>(apply: ApplyFn<Req, Out>, joinBelow: number): ApplyFn<Req, Out> {
	let waiting: Array<Waiting<Req, Out>> = [];
	const flush = async () => {
		const group = waiting;
		waiting = [];
		try {
			const outcomes = await apply(group.flatMap((w) => w.requests));
			let from = 0;
			for (const w of group) w.resolve(outcomes.slice(from, (from += w.requests.length)));
		} catch (err) {
			for (const w of group) w.reject(err);
		}
	};
	return (requests) => {
		if (requests.length >= joinBelow) return apply(requests);
		return new Promise<Out[]>((resolve, reject) => {
			// The first of a turn schedules the call; the others of the same turn join it.
			if (waiting.length === 0) setImmediate(() => void flush());
			waiting.push({ requests, resolve, reject });
		});
	};
}
