/**
 * The stuck monitor: every monitorIntervalMs, on one node of the cluster at a
 * time, one transaction takes or renews the lease (stuck_monitor), counts the
 * stuck orders per waiting state and reads the states recorded since the last
 * tick. The node holding the lease exports the figures; every other node's
 * ticks find the lease taken, do nothing else and export nothing. A node that
 * stops hands the lease back; one that dies loses it when the lease runs out
 * (three intervals, at least 10 s, so a node slowed down for a moment keeps it).
 */
import type { Sequelize } from "sequelize";
import { monitorIntervalMs, type StuckDeadlines } from "../../domain/stuck-orders";
import { summarizeStuckOrders, type StuckStateSummary } from "./stuck-orders-store";
import { advanceWatermark, claimLease, readTransitions, releaseLease, type Transition } from "./stuck-monitor-store";

/** State rows read per statement, and statements per tick at most (the rest waits for the next tick). */
const TRANSITION_BATCH = 5_000;
const MAX_BATCHES_PER_TICK = 10;
/** The lease outlives two missed ticks, and a pause of a few seconds. */
const LEASE_INTERVALS = 3;
const MIN_LEASE_MS = 10_000;

export interface StuckMonitorSink {
	/** A tick's figures, on the node holding the lease. */
	report(summary: StuckStateSummary[], transitions: Transition[], now: number): void;
	/** Another node holds the lease: this one shows nothing. */
	standBy(): void;
}

export interface StuckMonitorOptions {
	sequelize: Sequelize;
	/** One lease per cluster. */
	namespace: string;
	nodeId: string;
	deadlines: StuckDeadlines;
	logger: { info(...args: unknown[]): void; warn(...args: unknown[]): void };
	sink: StuckMonitorSink;
}

export interface StuckMonitor {
	/** Settles once the first tick is done (whether it took the lease or not, or failed). */
	firstTick: Promise<void>;
	stop(): Promise<void>;
}

interface TickResult {
	summary: StuckStateSummary[];
	transitions: Transition[];
}

/** One tick's transaction; null when another node holds the lease. */
async function tick(opts: StuckMonitorOptions, leaseMs: number): Promise<TickResult | null> {
	const { sequelize: db, namespace } = opts;
	return db.transaction(async (transaction) => {
		const watermark = await claimLease(db, transaction, { namespace, nodeId: opts.nodeId, ms: leaseMs });
		if (watermark === null) return null;
		const summary = await summarizeStuckOrders(db, opts.deadlines, transaction);
		const transitions: Transition[] = [];
		let mark = watermark;
		for (let batch = 0; batch < MAX_BATCHES_PER_TICK; batch++) {
			const read = await readTransitions(db, transaction, mark, TRANSITION_BATCH);
			transitions.push(...read.transitions);
			mark = read.watermark;
			if (!read.full) break;
		}
		if (mark !== watermark) await advanceWatermark(db, transaction, namespace, mark);
		return { summary, transitions };
	});
}

export function startStuckMonitor(opts: StuckMonitorOptions): StuckMonitor {
	const intervalMs = monitorIntervalMs(opts.deadlines);
	const leaseMs = Math.max(MIN_LEASE_MS, intervalMs * LEASE_INTERVALS);
	const { logger, sink } = opts;
	let leading = false;
	let failing: string | null = null;
	let stopped = false;
	let timer: NodeJS.Timeout | undefined;
	let running: Promise<void> = Promise.resolve();

	const runOnce = async () => {
		try {
			const result = await tick(opts, leaseMs);
			if (failing !== null) logger.info("stuck monitor: the database answers again");
			failing = null;
			if (result === null) {
				if (leading) logger.info("stuck monitor: another node holds the lease now");
				leading = false;
				sink.standBy();
				return;
			}
			if (!leading) logger.info(`stuck monitor: this node holds the lease (a tick every ${intervalMs} ms)`);
			leading = true;
			sink.report(result.summary, result.transitions, Date.now());
		} catch (err) {
			const message = (err as Error).message;
			// Once per outage: the figures keep their last values meanwhile.
			if (failing === null) logger.warn(`stuck monitor: a tick failed (${message}); trying again every ${intervalMs} ms`);
			failing = message;
		}
	};
	const schedule = () => {
		if (stopped) return;
		timer = setTimeout(() => {
			running = runOnce().finally(schedule);
		}, intervalMs);
	};
	const firstTick = runOnce();
	running = firstTick.finally(schedule);

	return {
		firstTick,
		async stop() {
			stopped = true;
			clearTimeout(timer);
			await running;
			if (leading) await releaseLease(opts.sequelize, opts).catch(() => undefined);
			leading = false;
		},
	};
}
