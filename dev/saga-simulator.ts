/**
 * Plays the inventory and payment services of the saga against a real broker:
 * reads each `order` CREATED event and answers on `reserve`, then `payment`,
 * with configurable failure rates and delays. With `reserve` (dev/products-over-grpc.ts)
 * the reserve answer comes from what the real products service would decide
 * after asking the orders service over gRPC. Used by `npm run simulate`, the
 * end-to-end tests and the benchmarks.
 */
import { randomUUID } from "node:crypto";
import type { Consumer, Kafka, Message, Producer } from "kafkajs";
import { encodeSagaMessage, parseSagaMessage } from "../domain/saga-message";

export interface SimulatorOptions {
	kafka: Kafka;
	topics: { order: string; reserve: string; payment: string };
	groupId?: string;
	/** Share of orders whose reserve fails (0..1). */
	reserveFailRate?: number;
	/** Share of reserved orders whose payment fails before it is created (0..1). */
	paymentRejectRate?: number;
	/** Share of created payments that then fail instead of completing (0..1). */
	paymentFailRate?: number;
	/** Pause before each answer, in milliseconds. */
	delayMs?: number;
	/** A source of numbers in [0, 1): tests pass a seeded one. */
	random?: () => number;
	/** Read `order` from the beginning rather than only new events. */
	fromBeginning?: boolean;
	/** Decides each reserve instead of reserveFailRate; null skips the order, as the products service does when it cannot read it. */
	reserve?: ReserveDecider;
}

export type ReserveStatus = "CREATED" | "FAILED";
export type ReserveDecider = (orderId: number) => Promise<ReserveStatus | null>;

export interface SimulatorStats {
	orders: number;
	/** Orders left unanswered because the reserve decider could not read them. */
	skipped: number;
	/** Order events delivered again (the relay publishes at least once), left unanswered. */
	redelivered: number;
	sent: Record<string, number>;
}

export interface Simulator {
	stats: SimulatorStats;
	stop(): Promise<void>;
}

type Answer = { topic: string; status: string };

/** The messages one order gets, in the order the real services would send them; `reserve` overrides the reserve rate. */
export function planAnswers(
	opts: Required<Pick<SimulatorOptions, "reserveFailRate" | "paymentRejectRate" | "paymentFailRate">>,
	random: () => number,
	topics: SimulatorOptions["topics"],
	reserve?: ReserveStatus,
): Answer[] {
	if ((reserve ?? (random() < opts.reserveFailRate ? "FAILED" : "CREATED")) === "FAILED") return [{ topic: topics.reserve, status: "FAILED" }];
	const reserved = { topic: topics.reserve, status: "CREATED" };
	if (random() < opts.paymentRejectRate) return [reserved, { topic: topics.payment, status: "FAILED" }];
	const paid = random() < opts.paymentFailRate ? "FAILED" : "COMPLETED";
	return [reserved, { topic: topics.payment, status: "CREATED" }, { topic: topics.payment, status: paid }];
}

const REMEMBERED_EVENTS = 100_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
	const rates = {
		reserveFailRate: options.reserveFailRate ?? 0.1,
		paymentRejectRate: options.paymentRejectRate ?? 0.05,
		paymentFailRate: options.paymentFailRate ?? 0.1,
	};
	const random = options.random ?? Math.random;
	const delayMs = options.delayMs ?? 0;
	const stats: SimulatorStats = { orders: 0, skipped: 0, redelivered: 0, sent: {} };
	// The relay publishes at least once: a redelivered event must not start a second chain.
	// Redeliveries come soon after the original, so the newest keys are enough (bounded memory).
	const answered = new Set<string>();
	const remember = (key: string) => {
		answered.add(key);
		if (answered.size > REMEMBERED_EVENTS) answered.delete(answered.values().next().value as string);
	};
	const producer: Producer = options.kafka.producer({ allowAutoTopicCreation: false });
	const consumer: Consumer = options.kafka.consumer({ groupId: options.groupId ?? "saga-simulator" });
	await producer.connect();
	await consumer.connect();
	await consumer.subscribe({ topic: options.topics.order, fromBeginning: options.fromBeginning ?? false });

	/** The answers of one order, or null when the reserve decider could not read it. */
	const plan = async (orderId: number): Promise<Answer[] | null> => {
		const reserve = options.reserve ? await options.reserve(orderId) : undefined;
		if (reserve === null) {
			stats.skipped += 1;
			return null;
		}
		return planAnswers(rates, random, options.topics, reserve);
	};

	/**
	 * Answers the orders of one fetched batch in rounds: round k sends every
	 * order's k-th answer in ONE request, so each order's messages still go in
	 * sequence while the broker sees a few requests per batch, not three per order.
	 */
	const answerAll = async (orderIds: number[]) => {
		const plans = await Promise.all(orderIds.map(async (orderId) => ({ orderId, answers: await plan(orderId) })));
		for (let round = 0; ; round++) {
			const due = plans.flatMap(({ orderId, answers }) => (answers && answers.length > round ? [{ orderId, step: answers[round] }] : []));
			if (due.length === 0) return;
			if (delayMs > 0) await sleep(delayMs);
			const byTopic = new Map<string, Message[]>();
			for (const { orderId, step } of due) {
				const value = encodeSagaMessage({ idempotent_key: randomUUID(), order_id: orderId, status: step.status });
				byTopic.set(step.topic, [...(byTopic.get(step.topic) ?? []), { key: String(orderId), value }]);
			}
			await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
			for (const { step } of due) {
				const name = `${step.topic}:${step.status}`;
				stats.sent[name] = (stats.sent[name] ?? 0) + 1;
			}
		}
	};

	await consumer.run({
		eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
			const orderIds: number[] = [];
			for (const message of batch.messages) {
				const parsed = parseSagaMessage(message.value, ["CREATED"]);
				if (!parsed.ok) continue;
				if (answered.has(parsed.message.idempotent_key)) {
					stats.redelivered += 1;
					continue;
				}
				remember(parsed.message.idempotent_key);
				stats.orders += 1;
				orderIds.push(parsed.message.order_id);
			}
			await answerAll(orderIds);
			const last = batch.messages[batch.messages.length - 1];
			if (last) resolveOffset(last.offset);
			await heartbeat();
		},
	});

	return {
		stats,
		stop: async () => {
			await consumer.disconnect();
			await producer.disconnect();
		},
	};
}
