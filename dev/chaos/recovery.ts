/**
 * Time to recover after each fault: from the fault's end to the first create
 * sent after it that got its 201 and the first saga state recorded after it,
 * whichever comes later (both paths work again). A kill ends when the node dies.
 */
export interface FaultWindow {
	name: string;
	start: number;
	end: number;
}

export interface Recovery extends FaultWindow {
	/** Milliseconds, or null when nothing succeeded after the fault. */
	recoveredMs: number | null;
}

export function recoveries(faults: FaultWindow[], creates: Array<{ sentAt: number; answeredAt: number }>, progress: number[]): Recovery[] {
	const firstAfter = (times: number[], end: number) => times.reduce((first, t) => (t >= end && t < first ? t : first), Infinity);
	return faults.map((fault) => {
		const created = firstAfter(creates.filter((c) => c.sentAt >= fault.end).map((c) => c.answeredAt), fault.end);
		const progressed = firstAfter(progress, fault.end);
		const recovered = Math.max(created, progressed);
		return { ...fault, recoveredMs: Number.isFinite(recovered) ? recovered - fault.end : null };
	});
}

/** The p-th percentile (0..100) of `values` by nearest rank; null when empty. */
export function percentile(values: number[], p: number): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
