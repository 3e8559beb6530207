/** What an import did, or in a dry run would do, and its text for the terminal. */
import type { ImportedState } from "../../domain/go-import/history";
import type { OrphanEvent } from "./go-source";
import type { OffsetCopy } from "./offsets-copy";

export interface ImportReport {
	dryRun: boolean;
	goOrders: number;
	imported: number;
	unchanged: number;
	differing: Array<{ orderId: number; difference: string }>;
	refused: Array<{ orderId: string; reason: string; waitEvents: number }>;
	merged: Array<{ orderId: number; productIds: number[] }>;
	brokenHistories: Array<{ orderId: number; step: string }>;
	repeatedStates: Array<{ orderId: number; states: ImportedState[] }>;
	noHistory: number[];
	eventsQueued: number;
	doneEventsLeft: number;
	orphanEvents: OrphanEvent[];
	nextOrderId: number | null;
	offsets: OffsetCopy[] | null;
	elapsedMs: number;
}

export const emptyReport = (dryRun: boolean): ImportReport => ({
	dryRun,
	goOrders: 0,
	imported: 0,
	unchanged: 0,
	differing: [],
	refused: [],
	merged: [],
	brokenHistories: [],
	repeatedStates: [],
	noHistory: [],
	eventsQueued: 0,
	doneEventsLeft: 0,
	orphanEvents: [],
	nextOrderId: null,
	offsets: null,
	elapsedMs: 0,
});

/** True when the run wrote nothing (or a dry run would write nothing). */
export const changesNothing = (r: ImportReport): boolean =>
	r.imported === 0 && (r.offsets ?? []).every((copy) => copy.changed.length === 0);

/** A list in the report: its first `shown` entries, then how many more (the JSON report has them all). */
function listed<T>(title: string, items: readonly T[], line: (item: T) => string, shown: number): string[] {
	if (items.length === 0) return [];
	const rest = items.length > shown ? [`    ... and ${items.length - shown} more`] : [];
	return [`  ${title} (${items.length}):`, ...items.slice(0, shown).map((item) => `    ${line(item)}`), ...rest];
}

export function formatReport(r: ImportReport, shown = 20): string {
	const would = r.dryRun ? "would be " : "";
	const lines = [
		`${r.dryRun ? "dry run, nothing written: " : ""}${r.goOrders} Go orders read in ${(r.elapsedMs / 1000).toFixed(1)} s`,
		`  ${r.imported} orders ${would}imported, ${r.unchanged} already here unchanged, ${r.differing.length} here with other content (left as they are), ${r.refused.length} refused`,
		`  ${r.eventsQueued} WAIT events ${would}queued in the outbox unsent; ${r.doneEventsLeft} DONE events were published by Go and are not`,
		...listed("orders here with other content, not overwritten", r.differing, (d) => `order ${d.orderId}: ${d.difference}`, shown),
		...listed("orders refused, skipped whole", r.refused, (d) => `order ${d.orderId}: ${d.reason}${d.waitEvents ? ` (its ${d.waitEvents} WAIT events are not queued)` : ""}`, shown),
		...listed("orders naming a product twice, merged (counts summed)", r.merged, (m) => `order ${m.orderId}: product ${m.productIds.join(", ")}`, shown),
		...listed("histories breaking the transition rules, imported as they were", r.brokenHistories, (b) => `order ${b.orderId}: ${b.step}`, shown),
		...listed(
			"histories with a state recorded twice, the latest record kept",
			r.repeatedStates,
			(s) => `order ${s.orderId}: ${s.states.map((x) => `${x.state} at ${x.time}`).join(", ")} left out`,
			shown,
		),
		...listed("orders without any state, ORDER_CREATED recorded at import", r.noHistory, (id) => `order ${id}`, shown),
		...listed("WAIT events naming no Go order, not queued", r.orphanEvents, (e) => `event ${e.eventId}: order_id ${e.orderId ?? "missing"}`, shown),
	];
	if (r.nextOrderId !== null) lines.push(`  the next order created here gets id ${r.nextOrderId} or above`);
	for (const copy of r.offsets ?? []) {
		const moves = copy.changed.map((c) => `p${c.partition} ${c.from} -> ${c.to}`).join(", ");
		lines.push(
			copy.changed.length + copy.unchanged === 0
				? `  offsets: group "${copy.sourceGroup}" has no committed offset on "${copy.topic}": "${copy.group}" left as it is`
				: `  offsets of "${copy.sourceGroup}" on "${copy.topic}" ${would}copied to "${copy.group}": ${moves || "already the same"}`,
		);
	}
	if (changesNothing(r)) lines.push("nothing to change: this database already holds what the Go database has to give");
	return lines.join("\n");
}
