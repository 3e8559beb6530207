/**
 * The outbox relay loop: claim a batch of outbox rows and mark it sent, publish
 * it to Kafka in one send with acks from all in-sync replicas, commit: all in
 * one transaction, so the mark is visible only after the broker acknowledged
 * the batch (at least once; a crash between send and commit re-sends, consumers
 * dedupe by idempotent_key). Two round trips per batch (BEGIN with the claim and
 * mark, then COMMIT). Woken by LISTEN/NOTIFY, with a slow fallback poll; while
 * claims come back full it loops without sleeping and claims the next batch
 * while the current one is sent; backs off while Kafka or PostgreSQL is down,
 * logging once per outage; deletes sent rows after their retention.
 */
import { logLevel, type Kafka, type Producer } from "kafkajs";
import type { Sequelize } from "sequelize";
import type { KafkaSecurity } from "../platform/config/config";
import { createKafka } from "../platform/clients/kafka";
import { openBatch, type OpenBatch } from "./open-batch";
import { deleteSentBefore, readBacklog, RELAY_APPLICATION_NAME, type OutboxBacklog } from "./outbox-store";
import { PgListener } from "../platform/clients/pg-listener";
import { rawPgPool, type RawPgPool } from "../platform/clients/raw-pg-pool";

export { RELAY_APPLICATION_NAME };
export const OUTBOX_CHANNEL = "outbox";
/** Connections the relay uses at most on the node's pool: two claims (one sending, the next claimed meanwhile) and the cleanup or a backlog read. */
export const RELAY_POOL_CONNECTIONS = 3;
const FIRST_BACKOFF_MS = 200;
/** How soon rows held for an earlier event of their key (in another relay's batch) are claimed again. */
const HELD_RETRY_MS = 20;

export interface RelayLogger {
	info(...args: unknown[]): void;
	warn(...args: unknown[]): void;
	debug(...args: unknown[]): void;
}

export interface OutboxRelayOptions {
	/** For the LISTEN connection, the relay's own. */
	databaseUrl: string;
	/** The node's pool (lib/platform/clients/shared-database.ts), leased for RELAY_POOL_CONNECTIONS more: claims, cleanup and backlog run on it. */
	database: Sequelize;
	kafka: Kafka;
	/** The topics this relay publishes; rows of other topics are left to their own relays. */
	topics: string[];
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

	constructor(private readonly options: OutboxRelayOptions) {
		this.pool = rawPgPool(options.database);
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
		/** The next claim, opened while the previous batch was on its way to Kafka. */
		let next: Promise<OpenBatch> | null = null;
		while (!this.stopping) {
			this.wakeRequested = false;
			let batch: OpenBatch | undefined;
			try {
				batch = await (next ?? this.claim());
				next = null;
				// A full claim: more rows wait. Claim them while this batch is sent, so one relay
				// overlaps its database time with its Kafka time (sends stay one at a time, in claim order).
				if (batch.full) next = this.claim();
				next?.catch(() => undefined); // awaited on the next turn, or abandoned below
				await this.publish(batch);
			} catch (err) {
				await this.abandon(next);
				next = null;
				this.reportOutage(err as Error);
				backoffMs = Math.min(backoffMs ? backoffMs * 2 : FIRST_BACKOFF_MS, this.options.maxBackoffMs);
				await this.sleep(backoffMs, false);
				continue;
			}
			backoffMs = 0;
			this.reportRecovered();
			// Otherwise the next commit's NOTIFY (or the poll) wakes the loop, but rows held for
			// another relay's batch are looked at again soon, once it has committed.
			if (batch.full || this.wakeRequested) continue;
			await this.sleep(batch.held > 0 ? HELD_RETRY_MS : this.options.pollMs, true);
		}
		// Stopping: a claim opened ahead of time was not sent; its rows go back unsent.
		await this.abandon(next);
	}

	/** Opens a claim (lib/outbox/open-batch.ts). Connects the producer first: with Kafka down it fails without holding any row locks. */
	private async claim(): Promise<OpenBatch> {
		await this.connectedProducer();
		return openBatch(this.pool, this.options.batchSize, this.options.topics);
	}

	/** Sends the batch (acks from all in-sync replicas) and commits it. */
	private async publish(batch: OpenBatch): Promise<void> {
		const producer = await this.connectedProducer();
		// A fresh producer after a failed send re-reads the metadata.
		const published = await batch.publish(producer, () => this.dropProducer());
		for (const { topic, messages } of published) this.options.onPublished?.(topic, messages.length);
	}

	private async abandon(claim: Promise<OpenBatch> | null): Promise<void> {
		await claim?.then((batch) => batch.abandon(), () => undefined);
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
	// Few client retries: the relay's own backoff takes over sooner, and the batch's locks are held shorter.
	const kafka = createKafka(cfg.kafkaBrokers, "orders-outbox-relay", 2, cfg.kafkaSecurity);
	// kafkajs logs every failed connection attempt; the relay reports an outage once itself.
	kafka.logger().setLogLevel(logLevel.NOTHING);
	return new OutboxRelay({
		databaseUrl: cfg.databaseUrl,
		database,
		kafka,
		topics: [cfg.orderTopic],
		batchSize: cfg.batchSize,
		pollMs: cfg.pollMs,
		maxBackoffMs: cfg.maxBackoffMs,
		retentionMs: cfg.retentionMs,
		cleanupMs: cfg.cleanupMs,
		logger,
		onPublished,
	});
}
