/**
 * The outbox relay loop. The relay holds its topic's slots in a session of its
 * own (lib/outbox/slot-lease.ts) and, per batch: reads the slots' rows up to the
 * fence, publishes them to Kafka in one send with acks from all in-sync
 * replicas, then moves the slots' positions: at least once (a crash between
 * send and commit re-sends, consumers dedupe by idempotent_key). While reads
 * come back full it reads the next batch while the current one is sent, so the
 * database's time hides under Kafka's. Woken by LISTEN/NOTIFY, with a slow
 * fallback poll; backs off while Kafka or PostgreSQL is down, logging once per
 * outage; deletes sent rows after their retention.
 */
import { logLevel, type Kafka, type Producer } from "kafkajs";
import type { Sequelize } from "sequelize";
import type { KafkaSecurity } from "../platform/config/config";
import { createKafka } from "../platform/clients/kafka";
import { ACQUIRE_EVERY_MS, SlotLease, type Batch } from "./slot-lease";
import { deleteSentBefore, readBacklog, RELAY_APPLICATION_NAME, type OutboxBacklog } from "./outbox-store";
import { PgListener } from "../platform/clients/pg-listener";
import { rawPgPool, type RawPgPool } from "../platform/clients/raw-pg-pool";

export { RELAY_APPLICATION_NAME };
export const OUTBOX_CHANNEL = "outbox";
/** Connections the relay uses at most on the node's pool: the cleanup and a backlog read (its batches run on a session of its own). */
export const RELAY_POOL_CONNECTIONS = 2;
const FIRST_BACKOFF_MS = 200;
/** How soon a read that found every slot held by another relay (or the fence not reached) is tried again. */
const BLOCKED_RETRY_MS = 20;

export interface RelayLogger {
	info(...args: unknown[]): void;
	warn(...args: unknown[]): void;
	debug(...args: unknown[]): void;
}

export interface OutboxRelayOptions {
	/** For the LISTEN connection, the relay's own. */
	databaseUrl: string;
	/** The node's pool (lib/platform/clients/shared-database.ts), leased for RELAY_POOL_CONNECTIONS more: cleanup and backlog run on it. */
	database: Sequelize;
	kafka: Kafka;
	/** The topic this relay publishes; rows of other topics are left to their own relays. */
	topic: string;
	batchSize: number;
	pollMs: number;
	maxBackoffMs: number;
	retentionMs: number;
	cleanupMs: number;
	logger: RelayLogger;
	/** Called after each committed batch, per topic (metrics). */
	onPublished?(topic: string, count: number): void;
}

export class OutboxRelay {
	private readonly pool: RawPgPool;
	private readonly listener: PgListener;
	private producer: Producer | null = null;
	private loopDone: Promise<void> | null = null;
	private stopping = false;
	private wakeRequested = false;
	private wakeSleeper: (() => void) | null = null;
	private outage: string | null = null;
	private cleanupTimer: NodeJS.Timeout | null = null;
	private cleanupRunning: Promise<void> | null = null;
	private readonly lease: SlotLease;

	constructor(private readonly options: OutboxRelayOptions) {
		this.pool = rawPgPool(options.database);
		this.lease = new SlotLease({
			databaseUrl: options.databaseUrl,
			topic: options.topic,
			batchSize: options.batchSize,
			onCommitted: (count) => options.onPublished?.(options.topic, count),
		});
		const { logger } = options;
		this.listener = new PgListener({
			connectionString: options.databaseUrl,
			channel: OUTBOX_CHANNEL,
			applicationName: RELAY_APPLICATION_NAME,
			onNotify: () => this.wake(),
			onDown: (err) => logger.warn(`outbox relay: LISTEN connection lost (${err.message}); reconnecting, polling every ${options.pollMs} ms meanwhile`),
			onUp: () => logger.info("outbox relay: LISTEN connection back"),
			maxBackoffMs: options.maxBackoffMs,
		});
	}

	async start(): Promise<void> {
		await this.listener.start();
		this.loopDone = this.loop();
		this.cleanupTimer = setInterval(() => this.cleanup(), this.options.cleanupMs);
		this.cleanup();
	}

	/** Lets the in-flight batch finish, then closes the LISTEN connection and the producer (the node's pool is its lease holder's to release). */
	async stop(): Promise<void> {
		this.stopping = true;
		if (this.cleanupTimer) clearInterval(this.cleanupTimer);
		this.wakeSleeper?.();
		await this.loopDone;
		await this.cleanupRunning;
		await this.listener.stop();
		await this.dropProducer();
	}

	backlog(): Promise<OutboxBacklog> {
		return readBacklog(this.pool);
	}

	/** Something was committed to the outbox: publish it now rather than at the next poll. */
	wake(): void {
		this.wakeRequested = true;
		this.wakeSleeper?.();
	}

	private async loop(): Promise<void> {
		let backoffMs = 0;
		/** The next batch, read while the previous one was on its way to Kafka. */
		let ahead: Promise<Batch> | null = null;
		while (!this.stopping) {
			this.wakeRequested = false;
			let batch: Batch;
			try {
				batch = await (ahead ?? this.read(null));
				ahead = null;
				// A full read: more rows may wait. Read them while this batch is sent (sends stay one at a time, in order).
				if (batch.full) ahead = this.read(batch);
				ahead?.catch(() => undefined); // awaited on the next turn, or dropped below
				await this.publish(batch);
				// No read follows at once: the batch's positions move now, not with a read that may come much later.
				if (!batch.full) await this.lease.commitSent();
			} catch (err) {
				ahead = null;
				// Its slots go back: this relay (or another) starts again from the committed positions.
				await this.lease.close();
				this.reportOutage(err as Error);
				backoffMs = Math.min(backoffMs ? backoffMs * 2 : FIRST_BACKOFF_MS, this.options.maxBackoffMs);
				await this.sleep(backoffMs, false);
				continue;
			}
			backoffMs = 0;
			this.reportRecovered();
			// Otherwise the next commit's NOTIFY (or the poll) wakes the loop; but writers still open
			// below the fence are waited for briefly, and slots another relay holds are tried for again
			// soon (that relay may have stopped: its slots must not wait for the next poll).
			if (batch.full || this.wakeRequested) continue;
			await this.sleep(this.idleMs(batch), true);
		}
		await ahead?.catch(() => undefined);
		await this.lease.commitSent().catch(() => undefined); // not committed: sent again by the next holder
		await this.lease.close();
	}

	private idleMs(batch: Batch): number {
		if (batch.through === null) return BLOCKED_RETRY_MS;
		return this.lease.holdsEverySlot ? this.options.pollMs : Math.min(ACQUIRE_EVERY_MS, this.options.pollMs);
	}

	/** Reads a batch. Connects the producer first: with Kafka down there is nothing to read for. */
	private async read(previous: Batch | null): Promise<Batch> {
		await this.connectedProducer();
		return this.lease.read(previous);
	}

	/**
	 * Sends the batch (acks from all in-sync replicas); its positions move with the
	 * next read (or alone, before the loop waits): a relay that stops before that
	 * sends the batch again (at least once).
	 */
	private async publish(batch: Batch): Promise<void> {
		if (batch.messages.length === 0) return;
		const producer = await this.connectedProducer();
		await producer.sendBatch({ acks: -1, topicMessages: [{ topic: this.options.topic, messages: batch.messages }] }).catch(async (err: unknown) => {
			// A fresh producer after a failed send re-reads the metadata.
			await this.dropProducer();
			throw err;
		});
		this.lease.markSent(batch);
	}

	private async connectedProducer(): Promise<Producer> {
		if (this.producer) return this.producer;
		const producer = this.options.kafka.producer({ allowAutoTopicCreation: false });
		try {
			await producer.connect();
		} catch (err) {
			await producer.disconnect().catch(() => undefined);
			throw err;
		}
		this.producer = producer;
		return producer;
	}

	private async dropProducer(): Promise<void> {
		const producer = this.producer;
		this.producer = null;
		await producer?.disconnect().catch(() => undefined);
	}

	private reportOutage(err: Error): void {
		if (this.outage) return;
		this.outage = err.name.startsWith("KafkaJS") ? "Kafka" : "PostgreSQL";
		this.options.logger.warn(
			`outbox relay: cannot publish (${this.outage}: ${err.message}); events are kept, retrying with backoff up to ${this.options.maxBackoffMs} ms`,
		);
	}

	private reportRecovered(): void {
		if (!this.outage) return;
		this.options.logger.info(`outbox relay: ${this.outage} is back, publishing again`);
		this.outage = null;
	}

	/** Waits `ms`, or less when stopping (or when woken, if `wakeable`). */
	private sleep(ms: number, wakeable: boolean): Promise<void> {
		if (this.stopping || (wakeable && this.wakeRequested)) return Promise.resolve();
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				this.wakeSleeper = null;
				resolve();
			};
			const timer = setTimeout(done, ms);
			this.wakeSleeper = wakeable ? done : () => this.stopping && done();
		});
	}

	private cleanup(): void {
		if (this.cleanupRunning || this.stopping) return;
		this.cleanupRunning = deleteSentBefore(this.pool, this.options.retentionMs)
			.then((deleted) => {
				if (deleted > 0) this.options.logger.debug(`outbox relay: deleted ${deleted} sent rows past retention`);
			})
			.catch((err: Error) => this.options.logger.debug(`outbox relay: cleanup failed: ${err.message}`))
			.finally(() => (this.cleanupRunning = null));
	}
}

/** What the relay reads of the node's configuration (the outbox-relay service's `settings.relay`). */
export interface OutboxRelayConfig {
	databaseUrl: string;
	kafkaBrokers: string[];
	kafkaSecurity: KafkaSecurity;
	orderTopic: string;
	batchSize: number;
	pollMs: number;
	maxBackoffMs: number;
	retentionMs: number;
	cleanupMs: number;
}

/** A relay wired from its settings. */
export function createOutboxRelay(cfg: OutboxRelayConfig, database: Sequelize, logger: RelayLogger, onPublished?: OutboxRelayOptions["onPublished"]): OutboxRelay {
	// Few client retries: the relay's own backoff takes over sooner.
	const kafka = createKafka(cfg.kafkaBrokers, "orders-outbox-relay", 2, cfg.kafkaSecurity);
	// kafkajs logs every failed connection attempt; the relay reports an outage once itself.
	kafka.logger().setLogLevel(logLevel.NOTHING);
	return new OutboxRelay({
		databaseUrl: cfg.databaseUrl,
		database,
		kafka,
		topic: cfg.orderTopic,
		batchSize: cfg.batchSize,
		pollMs: cfg.pollMs,
		maxBackoffMs: cfg.maxBackoffMs,
		retentionMs: cfg.retentionMs,
		cleanupMs: cfg.cleanupMs,
		logger,
		onPublished,
	});
}
