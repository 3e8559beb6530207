/**
 * The Kafka listener engine: consumes one saga topic in its own consumer group
 * and turns each message into at most one order state, as the outbox relay
 * (lib/outbox/outbox-relay.ts) publishes the outbox; the KafkaListener mixin
 * only starts and stops it with its Moleculer service.
 *
 * Per fetched batch (per partition, in offset order), chunks of up to CHUNK
 * messages are handled by lib/listeners/handle-chunk.ts; kafkajs commits the
 * resolved offsets at the end of the batch, so a crash before that redelivers
 * the batch and the applied-key record turns the redelivery into duplicates.
 * Two periodic jobs: the partition progress (the consumed watermarks, written
 * for every node's sweep, lib/listeners/partition-progress.ts) and the sweep of
 * this topic's parked messages (lib/listeners/parked-sweep.ts), on a small
 * Sequelize pool of the listener's own.
 */
import type { Admin, Consumer, EachBatchPayload, Producer } from "kafkajs";
import type { Sequelize } from "sequelize";
import type { SagaSource } from "../../domain/parked-expiry";
import type { StatusMapping } from "../../domain/saga-message";
import type { ApplyOutcome, ApplyRequest } from "../../domain/state-batch";
import type { KafkaSecurity } from "../platform/config/config";
import { createSequelize } from "../platform/clients/database";
import { createKafka } from "../platform/clients/kafka";
import { groupClosing, groupOpening, isCoordinatorStarting } from "../platform/clients/kafkajs-log";
import { handleChunk, type ChunkContext } from "./handle-chunk";
import { joinedApply, type ApplyFn } from "./joined-apply";
import type { ListenerTelemetry } from "./listener-telemetry";
import { sweepParked } from "./parked-sweep";
import { PartitionProgress } from "./partition-progress";
import { Periodic } from "./periodic";
import type { TopicConsumer } from "./watermarks";

export interface ListenerSettings {
	topic: string;
	/** Consumer group: one per topic, never shared between topics. */
	group: string;
	/** The service's consumer of each saga topic: the sweep reads their watermarks. */
	consumers: Record<SagaSource, TopicConsumer>;
	kafkaBrokers: string[];
	/** Prefixes the Kafka client ID (with the group and the node ID). */
	clientIdPrefix: string;
	/** How long after its predecessors' consumers have passed a parked message it still waits for them. */
	outOfOrderWindowMs: number;
	/** The database of the sweep and the watermarks. */
	databaseUrl: string;
	/** Size of the node's pool for that database (DB_POOL_MAX), should this listener be the first to lease it. */
	dbPoolMax: number;
	/** Where a group with no committed offset starts (CONSUMER_START). */
	fromBeginning: boolean;
	/** SASL and TLS of the Kafka clients (KAFKA_SASL_*, KAFKA_SSL*). */
	kafkaSecurity: KafkaSecurity;
	/** Test-only (FAULT_INJECTION): `kill-before-commit` SIGKILLs the process after a chunk's effects are durable, before its offset is resolved. */
	faultInjection: "off" | "kill-before-commit";
}

export interface EngineLogger {
	info(...args: unknown[]): void;
	warn(...args: unknown[]): void;
	error(...args: unknown[]): void;
}

export interface ListenerEngineOptions {
	settings: ListenerSettings;
	mapping: StatusMapping;
	/** Names the node in the Kafka client ID: the group's description then tells which node holds which partitions. */
	nodeId: string;
	logger: EngineLogger;
	telemetry: ListenerTelemetry;
	/** state.applyBatch. */
	applyBatch(messages: ApplyRequest[]): Promise<{ outcomes: ApplyOutcome[] }>;
	/** The node's pool, leased and released by the caller; without it the engine opens (and closes) a pool of its own. */
	db?: Sequelize;
}

/** Messages per applyBatch call: one transaction each. */
const CHUNK = 1_000;
/** Chunks smaller than this, started in the same turn by different partitions, share one applyBatch call. */
const JOIN_BELOW = 100;
/** Partitions of the topic this node works on at once (their batches lock orders in order_id order, so they never deadlock). */
const PARTITIONS_CONCURRENTLY = 3;

/** A whole request (with its message's bytes) is parked when early; "early" would mean it stored nothing. */
function requireStored(answer: { outcomes: ApplyOutcome[] }): ApplyOutcome[] {
	if (answer.outcomes.some((o) => o.result === "early")) throw new Error("state.applyBatch stored nothing for an early message");
	return answer.outcomes;
}

export class ListenerEngine {
	private readonly consumer: Consumer;
	private readonly producer: Producer;
	private readonly admin: Admin;
	private readonly db: Sequelize;
	private readonly progress: PartitionProgress;
	private readonly chunk: ChunkContext;
	private readonly jobs: Periodic[];
	/** Set by a stop that comes during start-up: no further start-up step begins. */
	private stopRequested = false;
	/** The start-up steps under way, which a stop waits for. */
	private starting?: Promise<void>;

	constructor(private readonly options: ListenerEngineOptions) {
		const { settings, logger } = options;
		const kafka = createKafka(settings.kafkaBrokers, `${settings.clientIdPrefix}-${settings.group}-${options.nodeId}`, undefined, settings.kafkaSecurity);
		this.consumer = kafka.consumer({
			groupId: settings.group,
			allowAutoTopicCreation: false,
			// kafkajs's default for consumers; a consumer that crashes while this listener stops
			// (its own disconnect closes the connections) is not restarted behind the stop.
			retry: { retries: 5, restartOnFailure: async () => !this.stopRequested },
		});
		this.producer = kafka.producer({ allowAutoTopicCreation: false });
		this.admin = kafka.admin();
		// The sweep, the watermark writes and the watermark tick.
		this.db = options.db ?? createSequelize(settings.databaseUrl, 3);
		this.progress = new PartitionProgress(this.db, this.admin, settings, settings.fromBeginning, logger);
		const applyAlone: ApplyFn<ApplyRequest, ApplyOutcome> = async (requests) => requireStored(await options.applyBatch(requests));
		const applyByPosition: ApplyFn<ApplyRequest, ApplyOutcome> = async (requests) => (await options.applyBatch(requests)).outcomes;
		this.chunk = {
			topic: settings.topic,
			mapping: options.mapping,
			logger,
			producer: this.producer,
			db: this.db,
			telemetry: options.telemetry,
			progress: this.progress,
			applyAlone,
			applyJoined: joinedApply(applyByPosition, JOIN_BELOW),
			killBeforeCommit: settings.faultInjection === "kill-before-commit",
		};
		// Often enough that a message is dead-lettered soon after it is due, at most every 5 s.
		const every = Math.min(Math.max(settings.outOfOrderWindowMs / 4, 250), 5_000);
		this.jobs = [new Periodic(every, () => this.recordProgress(every)), new Periodic(every, () => this.sweep(every))];
	}

	/** Connects and starts consuming and sweeping, unless a stop is requested first. */
	start(): Promise<void> {
		this.starting = this.listen();
		return this.starting;
	}

	/** A stop is coming (bin/start.ts on a signal during start-up): the step under way finishes, no further one begins. */
	requestStop(): void {
		this.stopRequested = true;
	}

	async stop(): Promise<void> {
		// A group join under way is not cut short (that would crash the consumer).
		this.stopRequested = true;
		await this.starting?.catch(() => undefined);
		await Promise.all(this.jobs.map((job) => job.stop()));
		// Waits for the batch in flight, commits its resolved offsets and leaves the group.
		groupClosing(this.options.settings.group);
		await this.consumer.disconnect();
		await this.progress.stop();
		await this.producer.disconnect();
		await this.admin.disconnect();
		if (!this.options.db) await this.db.close();
	}

	private listen(): Promise<void> {
		const { consumer, options: { logger, telemetry, settings: { topic, group } } } = this;
		consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
			const partitions = payload.memberAssignment[topic] ?? [];
			logger.info(`joined group ${group}: partitions ${JSON.stringify(partitions)} of ${topic}`);
			telemetry.assigned(partitions);
			this.progress.assigned(partitions);
		});
		// kafkajs restarts a crashed consumer by itself unless the error is final: say which, loudly.
		consumer.on(consumer.events.CRASH, ({ payload }) => {
			// A broker just started: its group coordinator is still loading, and kafkajs restarts the consumer until it is up.
			if (payload.restart && isCoordinatorStarting(payload.error.message)) {
				logger.info(`group ${group}: its coordinator is still starting; joining again`);
				return;
			}
			if (this.stopRequested) {
				logger.info(`group ${group}: consumer closed while stopping (${payload.error.message})`);
				return;
			}
			const what = payload.restart ? "restarting" : "NOT restarting: this node no longer consumes; restart it";
			logger.error({ topic, group, restart: payload.restart }, `consumer crashed (${payload.error.message}); ${what}`);
		});
		return this.runSteps([
			() => this.producer.connect(),
			() => this.admin.connect(),
			() => {
				groupOpening(group);
				return consumer.connect();
			},
			// Only a group with no committed offset reads this: CONSUMER_START=latest lets a new group
			// skip a topic whose history an earlier system already consumed.
			() => consumer.subscribe({ topic, fromBeginning: this.options.settings.fromBeginning }),
			() => {
				logger.info(`joining group ${group} for ${topic}`);
				return consumer.run({
					autoCommit: true, // commits only resolved offsets, after each batch
					eachBatchAutoResolve: false,
					partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
					eachBatch: (payload) => this.eachBatch(payload),
				});
			},
			async () => {
				for (const job of this.jobs) job.start();
				logger.info(`listening to ${topic} as group ${group}`);
			},
		]);
	}

	/** Runs start-up steps in order until one fails or a stop is requested: nothing begins after that. */
	private async runSteps(steps: Array<() => Promise<unknown>>): Promise<void> {
		for (const step of steps) {
			if (this.stopRequested) {
				this.options.logger.info("stop requested during start-up: the listener does not go on");
				return;
			}
			await step();
		}
	}

	private async eachBatch(payload: EachBatchPayload): Promise<void> {
		const all = payload.batch.messages;
		// Until this batch is done, all of it is behind.
		this.options.telemetry.lag(payload.batch.partition, Number(payload.batch.offsetLagLow()) + 1);
		for (let i = 0; i < all.length; i += CHUNK) {
			if (!(await handleChunk(this.chunk, payload, all.slice(i, i + CHUNK)))) return;
		}
	}

	private async recordProgress(every: number): Promise<void> {
		await this.progress.tick().catch((err: Error) => this.options.logger.warn(`reading how far ${this.options.settings.topic} is consumed failed (retried in ${every} ms): ${err.message}`));
	}

	private async sweep(every: number): Promise<void> {
		const { settings, telemetry, logger } = this.options;
		try {
			const swept = await sweepParked(this.db, this.producer, settings);
			for (const { order_id, idempotent_key, letter } of swept) {
				telemetry.record("dead_lettered", { order_id, idempotent_key, partition: letter.partition, offset: letter.offset }, letter);
			}
		} catch (err) {
			logger.warn(`sweep of parked ${settings.topic} messages failed (retried in ${every} ms): ${(err as Error).message}`);
		}
	}
}
