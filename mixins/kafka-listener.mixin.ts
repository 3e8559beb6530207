/**
 * KafkaListener(mapping): consumes the saga topic of `settings.listener` in its
 * own consumer group and turns each message into at most one order state.
 *
 * Per fetched batch (per partition, in offset order): parse every message,
 * `state.applyBatch` the valid ones in one call (one database transaction;
 * small batches of the fetch's partitions share one, lib/listeners/joined-apply.ts),
 * dead-letter the malformed and rejected ones to `<topic>.dlq`, and only then
 * resolve the offsets, which kafkajs commits at the end of the batch. A crash
 * anywhere before that commit redelivers the batch, and the applied-key record
 * turns the redelivery into duplicates. While applyBatch fails (PostgreSQL down,
 * no state service) the partition waits and retries with backoff, heartbeating,
 * and dead-letters nothing. A failure that is not an outage (lib/platform/failure-kind.ts:
 * a value the database refuses, a bug) is tried POISON_TRIES times; then the
 * batch is halved until the messages that fail on their own are found
 * (lib/listeners/isolate-failures.ts), those are dead-lettered as
 * `processing_error` and the rest applied. A periodic sweep dead-letters parked messages of the
 * topic whose predecessor never came (lib/listeners/parked-sweep.ts): the one
 * thing it does with the database itself, on a small Sequelize pool of its own,
 * because the sweep's transaction spans the dead-letter produce.
 *
 * Every consumed message counts once its effect is durable, by outcome and
 * reason, and each batch updates its partition's lag (lib/listeners/listener-telemetry.ts).
 */
import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from "kafkajs";
import type { Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Sequelize } from "sequelize";
import { parseSagaMessage, type StatusMapping } from "../domain/saga-message";
import { createSequelize } from "../lib/platform/database";
import { encodeHeaders, sendDeadLetters, type DeadLetter } from "../lib/listeners/dead-letter";
import type { KafkaSecurity } from "../lib/platform/config";
import { createKafka } from "../lib/platform/kafka";
import { listenerTelemetry, type ListenerTelemetry, type MessageOutcome } from "../lib/listeners/listener-telemetry";
import { isolateFailures, type Isolated } from "../lib/listeners/isolate-failures";
import { joinedApply, type ApplyFn } from "../lib/listeners/joined-apply";
import { sweepParked } from "../lib/listeners/parked-sweep";
import { onStopRequested } from "../lib/platform/broker";
import { failureKind } from "../lib/platform/failure-kind";
import type { ApplyOutcome, ApplyRequest } from "../domain/state-batch";

export interface ListenerSettings {
	topic: string;
	/** Consumer group: one per topic, never shared between topics. */
	group: string;
	kafkaBrokers: string[];
	/** Prefixes the Kafka client ID (with the group and the node ID). */
	clientIdPrefix: string;
	/** How long a parked message waits for its predecessor before the sweep dead-letters it. */
	outOfOrderWindowMs: number;
	/** The sweep's database. */
	databaseUrl: string;
	/** Where a group with no committed offset starts (CONSUMER_START). */
	fromBeginning: boolean;
	/** SASL and TLS of the Kafka clients (KAFKA_SASL_*, KAFKA_SSL*). */
	kafkaSecurity: KafkaSecurity;
}

/** Optional in the type so the mixin fits any service schema; `started` refuses to go without it. */
export interface KafkaListenerSettings extends ServiceSettingSchema {
	listener?: ListenerSettings;
}

/** Messages per applyBatch call: one transaction each. */
const CHUNK = 1_000;
/** Chunks smaller than this, started in the same turn by different partitions, share one applyBatch call. */
const JOIN_BELOW = 100;
/** Partitions of the topic this node works on at once (their batches lock orders in order_id order, so they never deadlock). */
const PARTITIONS_CONCURRENTLY = 3;
/** Tries of a batch that fails for a reason other than an outage, before its culprits are looked for. */
const POISON_TRIES = 3;
const RETRY_FIRST_MS = 200;
const RETRY_MAX_MS = 5_000;
/** Well inside kafkajs' default 30 s session timeout. */
const HEARTBEAT_MS = 3_000;
/**
 * Test-only fault hook: FAULT_INJECTION=kill-before-commit makes the process
 * SIGKILL itself after a batch's effects are durable and before its offsets are
 * resolved and committed, the one window a crash test cannot hit by timing.
 */
const killBeforeCommit = process.env.FAULT_INJECTION === "kill-before-commit";

const STOPPED = Symbol("stopped");

/** What a listener holds once started (optional: a node stopped while it waited for `state` never started it). */
interface ListenerVars {
	telemetry?: ListenerTelemetry;
	running?: Running;
}

/** A started listener, as its batch handling and sweep see it. */
interface Running {
	service: Service;
	settings: ListenerSettings;
	consumer: Consumer;
	producer: Producer;
	db: Sequelize;
	telemetry: ListenerTelemetry;
	/** state.applyBatch, small batches of one fetch joined into one call (lib/listeners/joined-apply.ts). */
	applyJoined: ApplyFn<ApplyRequest, ApplyOutcome>;
	sweeping: { stop: boolean; timer?: NodeJS.Timeout; running?: Promise<void> };
	/** Set by a stop that comes during start-up: no further start-up step begins. */
	stopRequested: boolean;
	/** The start-up steps under way, which a stop waits for. */
	starting?: Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` until it succeeds, backing off and heartbeating between tries; STOPPED once the consumer stops. */
async function untilDone<T>(run: Running, what: string, payload: EachBatchPayload, work: () => Promise<T>): Promise<T | typeof STOPPED> {
	for (let delay = RETRY_FIRST_MS, attempt = 1; ; delay = Math.min(delay * 2, RETRY_MAX_MS), attempt++) {
		if (!payload.isRunning() || payload.isStale()) return STOPPED;
		// A slow try (a stalled database, the broker's own retries) must not get this member evicted.
		const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), HEARTBEAT_MS);
		try {
			return await work();
		} catch (err) {
			run.service.logger.warn(`${what} failed (attempt ${attempt}, partition ${payload.batch.partition} waits ${delay} ms): ${(err as Error).message}`);
		} finally {
			clearInterval(beat);
		}
		for (let waited = 0; waited < delay && payload.isRunning(); waited += 500) {
			await sleep(Math.min(500, delay - waited));
			await payload.heartbeat();
		}
	}
}

const base64 = (value: Buffer | null): string | null => (value === null ? null : value.toString("base64"));

const OUTCOMES: Record<Exclude<ApplyOutcome["result"], "rejected" | "early">, MessageOutcome> = {
	applied: "applied",
	duplicate: "duplicate",
	parked: "parked",
};

/** Every message goes with its source, so the state service parks an early one; "early" means it stored nothing. */
function requireStored(answer: { outcomes: ApplyOutcome[] }): { outcomes: ApplyOutcome[] } {
	if (answer.outcomes.some((o) => o.result === "early")) throw new Error("state.applyBatch stored nothing for an early message");
	return answer;
}

function rejection(isolated: Isolated<ApplyOutcome>, request: ApplyRequest): Pick<DeadLetter, "reason" | "error"> | null {
	if (!isolated.ok) return { reason: "processing_error", error: isolated.error.message };
	const outcome = isolated.value;
	if (outcome.result !== "rejected") return null;
	const { order_id: id, state, idempotent_key: key } = request;
	const error = {
		unknown_order: `order ${id} does not exist`,
		invalid_transition: `${state} may not follow the recorded states of order ${id}`,
		idempotency_conflict: `idempotent_key ${key} of order ${id} was already used with another status`,
	}[outcome.reason];
	return { reason: outcome.reason, error };
}

const callApplyBatch = async (run: Running, messages: ApplyRequest[]): Promise<ApplyOutcome[]> =>
	requireStored(await run.service.broker.call<{ outcomes: ApplyOutcome[] }, { messages: ApplyRequest[] }>("state.applyBatch", { messages })).outcomes;

/**
 * One try of a chunk's requests. An outage is thrown (untilDone waits and tries
 * again); so is any other failure, until the chunk has failed POISON_TRIES times
 * in a row: then its culprits are isolated and come back as failures.
 */
function applier(): (run: Running, requests: ApplyRequest[]) => Promise<Array<Isolated<ApplyOutcome>>> {
	let failures = 0;
	return async (run, requests) => {
		try {
			return (await run.applyJoined(requests)).map((value) => ({ ok: true, value }));
		} catch (err) {
			if (failureKind(err) === "unavailable" || ++failures < POISON_TRIES) throw err;
			run.service.logger.warn(`state.applyBatch failed ${failures} times with the database up: looking for the messages that fail on their own`);
			return isolateFailures(requests, (some) => callApplyBatch(run, some), (e) => failureKind(e) === "unavailable");
		}
	};
}

/** One chunk of a fetched batch, start to end; false when the consumer stopped meanwhile. */
async function handleChunk(run: Running, mapping: StatusMapping, payload: EachBatchPayload, messages: KafkaMessage[]): Promise<boolean> {
	const { topic } = run.settings;
	const { partition } = payload.batch;
	const letters: Array<DeadLetter & { order_id?: number; idempotent_key?: string }> = [];
	const letter = (m: KafkaMessage, why: Pick<DeadLetter, "reason" | "error">): DeadLetter => ({
		topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers ?? {}, ...why,
	});
	const requests: Array<{ message: KafkaMessage; request: ApplyRequest }> = [];
	const kept: Array<{ outcome: MessageOutcome; request: ApplyRequest; offset: string }> = [];
	const applyBatch = applier();
	for (const message of messages) {
		const parsed = parseSagaMessage(message.value, mapping.statuses);
		if (!parsed.ok) {
			letters.push(letter(message, { reason: "malformed", error: parsed.error }));
			continue;
		}
		const { order_id, idempotent_key, status } = parsed.message;
		requests.push({
			message,
			request: {
				order_id, idempotent_key, state: mapping.toState(status),
				source: { topic, partition, offset: message.offset, key: base64(message.key), value: base64(message.value) ?? "", headers: encodeHeaders(message.headers) },
			},
		});
	}
	if (requests.length > 0) {
		const answer = await untilDone(run, "state.applyBatch", payload, () => applyBatch(run, requests.map((r) => r.request)));
		if (answer === STOPPED) return false;
		answer.forEach((isolated, i) => {
			const { message, request } = requests[i];
			const why = rejection(isolated, request);
			if (why) letters.push({ ...letter(message, why), order_id: request.order_id, idempotent_key: request.idempotent_key });
			else if (isolated.ok && isolated.value.result !== "rejected" && isolated.value.result !== "early") {
				kept.push({ outcome: OUTCOMES[isolated.value.result], request, offset: message.offset });
			}
		});
	}
	// Dead letters in offset order, so the .dlq topic reads like the source.
	letters.sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
	if ((await untilDone(run, "dead-letter produce", payload, () => sendDeadLetters(run.producer, run.db, topic, letters))) === STOPPED) return false;
	if (killBeforeCommit) process.kill(process.pid, "SIGKILL");
	for (const { outcome, request, offset } of kept) run.telemetry.record(outcome, { ...request, partition, offset });
	for (const l of letters) {
		run.telemetry.record("dead_lettered", { order_id: l.order_id ?? null, idempotent_key: l.idempotent_key ?? null, partition, offset: l.offset }, l);
	}
	const last = messages[messages.length - 1].offset;
	run.telemetry.lag(partition, Math.max(0, Number(payload.batch.highWatermark) - 1 - Number(last)));
	payload.resolveOffset(last);
	await payload.heartbeat();
	return true;
}

function startSweeper(run: Running): void {
	const { topic, outOfOrderWindowMs } = run.settings;
	// Often enough that a message is dead-lettered soon after its window ends, at most every 5 s.
	const every = Math.min(Math.max(outOfOrderWindowMs / 4, 250), 5_000);
	const tick = () => {
		run.sweeping.running = sweepParked(run.db, run.producer, topic, outOfOrderWindowMs)
			.then((swept) => {
				for (const { order_id, idempotent_key, letter } of swept) {
					run.telemetry.record("dead_lettered", { order_id, idempotent_key, partition: letter.partition, offset: letter.offset }, letter);
				}
			})
			.catch((err: Error) => run.service.logger.warn(`sweep of parked ${topic} messages failed (retried in ${every} ms): ${err.message}`))
			.finally(() => {
				if (!run.sweeping.stop) run.sweeping.timer = setTimeout(tick, every);
			});
	};
	run.sweeping.timer = setTimeout(tick, every);
}

/** The clients of one listener, not connected yet. */
function listenerClients(service: Service, settings: ListenerSettings, telemetry: ListenerTelemetry): Running {
	// The node ID in the client ID tells, in the group's description, which node holds which partitions.
	const kafka = createKafka(settings.kafkaBrokers, `${settings.clientIdPrefix}-${settings.group}-${service.broker.nodeID}`, undefined, settings.kafkaSecurity);
	const run: Running = {
		service,
		settings,
		telemetry,
		applyJoined: joinedApply((requests) => callApplyBatch(run, requests), JOIN_BELOW),
		db: createSequelize(settings.databaseUrl, 2),
		producer: kafka.producer({ allowAutoTopicCreation: false }),
		consumer: kafka.consumer({ groupId: settings.group, allowAutoTopicCreation: false }),
		sweeping: { stop: false },
		stopRequested: false,
	};
	return run;
}

/** Runs start-up steps in order until one fails or a stop is requested: nothing begins after that. */
async function runSteps(run: Running, steps: Array<() => Promise<unknown>>): Promise<void> {
	for (const step of steps) {
		if (run.stopRequested) {
			run.service.logger.info("stop requested during start-up: the listener does not go on");
			return;
		}
		await step();
	}
}

/** Connects the producer and the consumer and starts consuming and sweeping, unless a stop comes first. */
function listen(run: Running, mapping: StatusMapping): Promise<void> {
	const { consumer, settings: { topic, group }, service: { logger } } = run;
	consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
		const partitions = payload.memberAssignment[topic] ?? [];
		logger.info(`joined group ${group}: partitions ${JSON.stringify(partitions)} of ${topic}`);
		run.telemetry.assigned(partitions);
	});
	// kafkajs restarts a crashed consumer by itself unless the error is final: say which, loudly.
	consumer.on(consumer.events.CRASH, ({ payload }) => {
		const what = payload.restart ? "restarting" : "NOT restarting: this node no longer consumes; restart it";
		logger.error({ topic, group, restart: payload.restart }, `consumer crashed (${payload.error.message}); ${what}`);
	});
	return runSteps(run, [
		() => run.producer.connect(),
		() => consumer.connect(),
		// Only a group with no committed offset reads this: CONSUMER_START=latest lets a new group
		// skip a topic whose history an earlier system already consumed.
		() => consumer.subscribe({ topic, fromBeginning: run.settings.fromBeginning }),
		() => {
			logger.info(`joining group ${group} for ${topic}`);
			return consumer.run({
				autoCommit: true, // commits only resolved offsets, after each batch
				eachBatchAutoResolve: false,
				partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
				eachBatch: async (payload) => {
					const all = payload.batch.messages;
					// Until this batch is done, all of it is behind.
					run.telemetry.lag(payload.batch.partition, Number(payload.batch.offsetLagLow()) + 1);
					for (let i = 0; i < all.length; i += CHUNK) {
						if (!(await handleChunk(run, mapping, payload, all.slice(i, i + CHUNK)))) return;
					}
				},
			});
		},
		async () => {
			startSweeper(run);
			logger.info(`listening to ${topic} as group ${group}`);
		},
	]);
}

export function KafkaListener(mapping: StatusMapping): Partial<ServiceSchema<KafkaListenerSettings, object, ListenerVars>> {
	return {
		// The database URL and Kafka password stay on this node (other nodes get every service's settings otherwise).
		settings: { $secureSettings: ["listener"] },
		dependencies: ["state"],
		created() {
			const { listener } = this.settings;
			if (!listener) throw new Error(`service ${this.name}: settings.listener (topic, group, ...) is missing`);
			this.telemetry = listenerTelemetry(this.broker, this.logger, listener.topic);
		},
		async started() {
			const { listener } = this.settings;
			if (!listener || !this.telemetry) return; // created() refused such a service
			// Kept before connecting: if a connect fails, stopped() still closes what was opened.
			const run = listenerClients(this, listener, this.telemetry);
			this.running = run;
			// The node may be told to stop before broker.stop() (bin/start.ts on a signal during start-up).
			onStopRequested(this.broker, () => (run.stopRequested = true));
			run.starting = listen(run, mapping);
			await run.starting;
		},
		async stopped() {
			// A node stopped while it still waited for `state` never ran started(): nothing to close.
			const run = this.running;
			if (!run) return;
			// A stop during start-up: the step under way finishes (a group join is not cut
			// short, which would crash the consumer), no further one begins, then all closes.
			run.stopRequested = true;
			await run.starting?.catch(() => undefined);
			run.sweeping.stop = true;
			clearTimeout(run.sweeping.timer);
			await run.sweeping.running;
			// Waits for the batch in flight, commits its resolved offsets and leaves the group.
			await run.consumer.disconnect();
			await run.producer.disconnect();
			await run.db.close();
		},
	};
}
