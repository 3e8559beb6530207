/**
 * One chunk of a fetched batch, start to end: parse every message, apply the
 * valid ones (state.applyBatch, one transaction), dead-letter the malformed and
 * rejected ones in offset order, record the partition's progress, and only then
 * resolve the offset. While a step fails for an outage the chunk waits and
 * retries (lib/listeners/retry-batch.ts); a failure that is not an outage
 * (lib/platform/support/failure-kind.ts) is tried POISON_TRIES times, then the chunk is
 * halved until the messages that fail on their own are found
 * (lib/listeners/isolate-failures.ts), and those are dead-lettered as `processing_error`.
 */
import type { EachBatchPayload, KafkaMessage, Producer } from "kafkajs";
import type { Sequelize } from "sequelize";
import { parseSagaMessage, type StatusMapping } from "../../domain/saga-message";
import type { ApplyOutcome, ApplyRequest, MessagePosition, MessageSource } from "../../domain/state-batch";
import { failureKind } from "../platform/support/failure-kind";
import type { DeadLetter } from "../dead-letters";
import { encodeHeaders } from "../platform/clients/message-headers";
import { sendDeadLetters } from "./dead-letter";
import { isolateFailures } from "./isolate-failures";
import type { ApplyFn } from "./joined-apply";
import type { ConsumedMessage, ListenerTelemetry, MessageOutcome } from "./listener-telemetry";
import type { PartitionProgress } from "./partition-progress";
import { STOPPED, untilDone, type RetryLogger } from "./retry-batch";

/** Tries of a chunk that fails for a reason other than an outage, before its culprits are looked for. */
const POISON_TRIES = 3;

/** What a chunk is handled with: the listener's clients and hooks. */
export interface ChunkContext {
	topic: string;
	mapping: StatusMapping;
	logger: RetryLogger;
	producer: Producer;
	/** Where dead letters are recorded before the offset is committed (the listener's own small pool). */
	db: Sequelize;
	telemetry: ListenerTelemetry;
	progress: PartitionProgress;
	/** state.applyBatch of requests by position, small chunks of one fetch joined into one call (lib/listeners/joined-apply.ts); an early message answers "early". */
	applyJoined: ApplyFn<ApplyRequest, ApplyOutcome>;
	/** state.applyBatch of whole requests on its own (early ones are parked; the poison search calls it with parts of a chunk). */
	applyAlone: ApplyFn<ApplyRequest, ApplyOutcome>;
	/** Test-only fault hook (the `faultInjection` setting): SIGKILL after the effects are durable, before the offset is resolved. */
	killBeforeCommit: boolean;
}

const base64 = (value: Buffer | null): string | null => (value === null ? null : value.toString("base64"));

/**
 * The chunk's valid messages and their requests, side by side (index i of one
 * is index i of the other): no object per message beyond the request itself.
 */
interface Pending {
	messages: KafkaMessage[];
	requests: Array<ApplyRequest & { source: MessagePosition }>;
}

/** The request with the message's bytes, which parking needs: built only for the few that are early. */
function whole(pending: Pending, i: number): ApplyRequest {
	const [message, request] = [pending.messages[i], pending.requests[i]];
	const source: MessageSource = { ...request.source, key: base64(message.key), value: base64(message.value) ?? "", headers: encodeHeaders(message.headers) };
	return { ...request, source };
}

/** A request's end: the state service's outcome, or the error it fails with on its own (found by isolateFailures). */
type ChunkOutcome = ApplyOutcome | { result: "processing_error"; error: Error };

const OUTCOMES: Record<Exclude<ApplyOutcome["result"], "rejected" | "early">, MessageOutcome> = {
	applied: "applied",
	duplicate: "duplicate",
	parked: "parked",
};

function rejection(outcome: ChunkOutcome, request: ApplyRequest): Pick<DeadLetter, "reason" | "error"> | null {
	if (outcome.result === "processing_error") return { reason: "processing_error", error: outcome.error.message };
	if (outcome.result !== "rejected") return null;
	const { order_id: id, state, idempotent_key: key } = request;
	const error = {
		unknown_order: `order ${id} does not exist`,
		invalid_transition: `${state} may not follow the recorded states of order ${id}`,
		idempotency_conflict: `idempotent_key ${key} of order ${id} was already used with another status`,
	}[outcome.reason];
	return { reason: outcome.reason, error };
}

/**
 * Requests go by position alone, so the common case sends no message bytes;
 * the early ones stored nothing and go again whole, to be parked.
 */
async function applyAndPark(ctx: ChunkContext, pending: Pending): Promise<ApplyOutcome[]> {
	const outcomes = await ctx.applyJoined(pending.requests);
	const early = outcomes.flatMap((outcome, i) => (outcome.result === "early" ? [i] : []));
	if (early.length === 0) return outcomes;
	const parked = await ctx.applyAlone(early.map((i) => whole(pending, i)));
	early.forEach((i, j) => (outcomes[i] = parked[j]));
	return outcomes;
}

/**
 * One try of a chunk's requests. An outage is thrown (untilDone waits and tries
 * again); so is any other failure, until the chunk has failed POISON_TRIES times
 * in a row: then its culprits are isolated and come back as failures.
 */
function applier(ctx: ChunkContext): (pending: Pending) => Promise<ChunkOutcome[]> {
	let failures = 0;
	return async (pending) => {
		try {
			return await applyAndPark(ctx, pending);
		} catch (err) {
			if (failureKind(err) === "unavailable" || ++failures < POISON_TRIES) throw err;
			ctx.logger.warn(`state.applyBatch failed ${failures} times with the database up: looking for the messages that fail on their own`);
			const isolated = await isolateFailures(pending.requests.map((_, i) => whole(pending, i)), ctx.applyAlone, (e) => failureKind(e) === "unavailable");
			return isolated.map((one) => (one.ok ? one.value : { result: "processing_error", error: one.error }));
		}
	};
}

/** The chunk's latest Kafka timestamp (CreateTime or LogAppendTime, as the topic keeps them). */
const latestTimestamp = (messages: KafkaMessage[]): number => messages.reduce((latest, m) => Math.max(latest, Number(m.timestamp)), 0);

/** One chunk of a fetched batch, start to end; false when the consumer stopped meanwhile. */
export async function handleChunk(ctx: ChunkContext, payload: EachBatchPayload, messages: KafkaMessage[]): Promise<boolean> {
	const { topic, mapping } = ctx;
	const { partition } = payload.batch;
	const letters: Array<DeadLetter & { order_id?: number; idempotent_key?: string }> = [];
	const letter = (m: KafkaMessage, why: Pick<DeadLetter, "reason" | "error">): DeadLetter => ({
		topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers ?? {}, ...why,
	});
	const pending: Pending = { messages: [], requests: [] };
	const applyBatch = applier(ctx);
	for (const message of messages) {
		const parsed = parseSagaMessage(message.value, mapping.statuses);
		if (!parsed.ok) {
			letters.push(letter(message, { reason: "malformed", error: parsed.error }));
			continue;
		}
		const { order_id, idempotent_key, status } = parsed.message;
		pending.messages.push(message);
		pending.requests.push({ order_id, idempotent_key, state: mapping.toState(status), source: { topic, partition, offset: message.offset } });
	}
	// The requests kept (applied, duplicate, parked) by outcome: their indexes in `pending`.
	const kept = new Map<MessageOutcome, number[]>();
	if (pending.requests.length > 0) {
		const answer = await untilDone(ctx.logger, "state.applyBatch", payload, () => applyBatch(pending));
		if (answer === STOPPED) return false;
		answer.forEach((outcome, i) => {
			const request = pending.requests[i];
			const why = rejection(outcome, request);
			if (why) letters.push({ ...letter(pending.messages[i], why), order_id: request.order_id, idempotent_key: request.idempotent_key });
			else if (outcome.result !== "rejected" && outcome.result !== "early" && outcome.result !== "processing_error") {
				const indexes = kept.get(OUTCOMES[outcome.result]);
				if (indexes) indexes.push(i);
				else kept.set(OUTCOMES[outcome.result], [i]);
			}
		});
	}
	// Dead letters in offset order, so the .dlq topic reads like the source.
	letters.sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
	if ((await untilDone(ctx.logger, "dead-letter produce", payload, () => sendDeadLetters(ctx.producer, ctx.db, topic, letters))) === STOPPED) return false;
	if (ctx.killBeforeCommit) process.kill(process.pid, "SIGKILL");
	const last = messages[messages.length - 1].offset;
	// Every effect of the chunk is durable: its consumer has read the partition this far.
	ctx.progress.handled(partition, last, latestTimestamp(messages));
	// Each message's details are built only if the telemetry asks for them (debug lines).
	const consumed = (indexes: number[]) => (): ConsumedMessage[] =>
		indexes.map((i) => ({ order_id: pending.requests[i].order_id, idempotent_key: pending.requests[i].idempotent_key, partition, offset: pending.messages[i].offset }));
	for (const [outcome, indexes] of kept) ctx.telemetry.recordMany(outcome, indexes.length, consumed(indexes));
	for (const l of letters) {
		ctx.telemetry.record("dead_lettered", { order_id: l.order_id ?? null, idempotent_key: l.idempotent_key ?? null, partition, offset: l.offset }, l);
	}
	ctx.telemetry.lag(partition, Math.max(0, Number(payload.batch.highWatermark) - 1 - Number(last)));
	payload.resolveOffset(last);
	await payload.heartbeat();
	return true;
}
