/**
 * The import: Go orders in batches keyed by id, each batch transformed
 * (domain/go-import) and written in one transaction; orders already here are
 * compared, never overwritten. A stopped run is resumed by running it again.
 */
import type { Kafka } from "kafkajs";
import type { Client } from "pg";
import { differenceFrom } from "../../domain/go-import/compare";
import { importEvent, type ImportedEvent } from "../../domain/go-import/event";
import { largestSafeId } from "../../domain/go-import/ids";
import { importOrder, type ImportedOrder } from "../../domain/go-import/order";
import { GoSource, type GoBatch } from "./go-source";
import { connectOrExplain } from "./import-error";
import { copyGroupOffsets, type OffsetTarget } from "./offsets-copy";
import { emptyReport, type ImportReport } from "./report";
import { checkTargetSchema, nextOrderId, readStored, writeBatch } from "./target";

export interface ImportOptions {
	from: string;
	to: string;
	/** This service's order topic, which Go's "order" events go to. */
	orderTopic: string;
	batchSize: number;
	dryRun: boolean;
	/** With --kafka-group: the Go group, where its offsets go, and a client for it. */
	offsets?: { kafka: Kafka; sourceGroup: string; targets: OffsetTarget[] };
	/** Run once the Go database is known good, before the target is opened (creates and migrates it). */
	prepareTarget?: () => Promise<void>;
	onProgress?: (done: number, total: number) => void;
}

export async function importGo(opts: ImportOptions): Promise<ImportReport> {
	const report = emptyReport(opts.dryRun);
	const source = await GoSource.open(opts.from);
	try {
		await opts.prepareTarget?.();
		const started = Date.now(); // the report times the import, not the creation and migration of the target
		const target = await connectOrExplain(opts.to);
		try {
			await checkTargetSchema(target);
			const totals = await source.totals();
			report.doneEventsLeft = totals.doneEvents;
			let afterId = "0";
			for (;;) {
				const batch = await source.readBatch(afterId, opts.batchSize);
				if (batch.orders.length === 0) break;
				const { orders, events } = await planBatch(batch, target, opts.orderTopic, report);
				const largestGoId = largestSafeId(batch.orders.map((o) => o.id));
				const written = opts.dryRun ? orders.map((o) => o.order_id) : await writeBatch(target, orders, events, largestGoId);
				report.imported += written.length;
				report.eventsQueued += written.reduce((n, id) => n + (events.get(id)?.length ?? 0), 0);
				report.goOrders += batch.orders.length;
				afterId = batch.orders[batch.orders.length - 1].id;
				opts.onProgress?.(report.goOrders, totals.orders);
			}
			report.orphanEvents = await source.orphanWaitEvents();
			report.nextOrderId = await nextOrderId(target);
			report.elapsedMs = Date.now() - started;
		} finally {
			await target.end();
		}
	} finally {
		await source.close();
	}
	if (opts.offsets) report.offsets = await copyGroupOffsets(opts.offsets.kafka, opts.offsets.sourceGroup, opts.offsets.targets, opts.dryRun);
	return report;
}

/** Sorts a batch into new orders (with their events), unchanged, differing and refused ones, noting each in the report. */
async function planBatch(batch: GoBatch, target: Client, orderTopic: string, report: ImportReport) {
	const outcomes = batch.orders.map(importOrder);
	const accepted = outcomes.flatMap((o) => (o.kind === "ok" ? [o] : []));
	const stored = await readStored(target, accepted.map((o) => o.order.order_id));
	const orders: ImportedOrder[] = [];
	const events = new Map<number, ImportedEvent[]>();
	for (const outcome of outcomes) {
		if (outcome.kind === "refused") {
			report.refused.push({ orderId: outcome.orderId, reason: outcome.reason, waitEvents: batch.waitEvents.get(outcome.orderId)?.length ?? 0 });
			continue;
		}
		const { order, notes } = outcome;
		const here = stored.get(order.order_id);
		if (here) {
			const difference = differenceFrom(order, here);
			if (difference === null) report.unchanged++;
			else report.differing.push({ orderId: order.order_id, difference });
			continue;
		}
		orders.push(order);
		events.set(order.order_id, (batch.waitEvents.get(String(order.order_id)) ?? []).map((e) => importEvent(e, order.order_id, orderTopic)));
		if (notes.mergedProducts.length > 0) report.merged.push({ orderId: order.order_id, productIds: notes.mergedProducts });
		if (notes.brokenRule !== null) report.brokenHistories.push({ orderId: order.order_id, step: notes.brokenRule });
		if (notes.repeatedStates.length > 0) report.repeatedStates.push({ orderId: order.order_id, states: notes.repeatedStates });
		if (notes.noHistory) report.noHistory.push(order.order_id);
	}
	return { orders, events };
}
