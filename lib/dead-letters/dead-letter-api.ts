/**
 * What the dead-letter actions of the `state` service answer (docs/rest-api.md#dead-letters):
 * who may call them, the listing, the redrive and the audit in their public
 * shape, and their errors. The SQL is in ./dead-letter-store.ts.
 */
import { DeadLetterNotFoundError, ForbiddenError, invalidField } from "../../domain/errors/catalog";
import type { Sequelize } from "sequelize";
import { redriveSelector, type LetterStatus, type RedriveInput } from "../../domain/dead-letter-input";
import type { Caller } from "../../domain/order-access";
import { decodeCursor, encodeCursor } from "../../domain/order-cursor";
import { DEFAULT_LIMIT, toPositiveInt } from "../../domain/order-input";
import { paymentStates, reserveStates, type StatusMapping } from "../../domain/saga-message";
import { countDeadLetters, listDeadLetters, listRedrives, type RedriveRecord, type StoredLetter } from "./dead-letter-store";
import { redrive, UnknownLetterError, type RedriveResult } from "./redrive";

/** What a caller passes along: the gateway's authenticated caller, or the REPL's name for its user. */
export interface DeadLetterMeta {
	/** Set by a gateway with authentication on; absent means every caller is trusted. */
	user?: Caller | null;
	/** Who a caller without a token is (the REPL names its user). */
	who?: string;
}

/** The consumed topics, whose listeners' parsing a redrive repeats. */
export interface SagaTopics {
	reserve: string;
	payment: string;
}

export const statusMappings = (topics: SagaTopics): ReadonlyMap<string, StatusMapping> =>
	new Map([
		[topics.reserve, reserveStates],
		[topics.payment, paymentStates],
	]);

/** Dead letters hold every user's messages: with authentication on, only operators see or redrive them. */
export function requireOperator(meta: DeadLetterMeta): void {
	if (meta.user && !meta.user.operator) throw new ForbiddenError("Only an operator (scope orders:operator) may read or redrive dead letters");
}

/** The audit's name for the caller: the token's subject, its user, or what the caller said it is. */
export function whoOf(meta: DeadLetterMeta): string {
	const { user } = meta;
	if (user) return user.subject ?? (user.userId === null ? "operator" : `user ${user.userId}`);
	return meta.who ?? "anonymous (authentication off)";
}

function page<T extends { id: string }, V>(rows: T[], limit: number, view: (row: T) => V): { items: V[]; next_cursor: string | null } {
	const items = rows.slice(0, limit);
	const last = items.at(-1);
	return { items: items.map(view), next_cursor: rows.length > limit && last ? encodeCursor(Number(last.id)) : null };
}

function cursorOf(cursor: string | undefined): number | undefined {
	if (cursor === undefined) return undefined;
	const id = decodeCursor(cursor);
	if (id === null) throw invalidField("cursor", "cursor", "The 'cursor' field is not a cursor this service gave out.");
	return id;
}

const limitOf = (limit: unknown): number => (limit === undefined ? DEFAULT_LIMIT : (toPositiveInt(limit) as number));

/** Bytes as text, for reading; a redrive sends the stored bytes, not this. */
const text = (bytes: Buffer | null): string | null => (bytes === null ? null : bytes.toString("utf8"));

function letterView(row: StoredLetter) {
	return {
		topic: row.topic,
		partition: row.partition,
		offset: row.offset,
		reason: row.reason,
		error: row.error,
		order_id: row.order_id === null ? null : Number(row.order_id),
		message: {
			key: text(row.message_key),
			value: text(row.message_value),
			headers: Object.fromEntries(Object.entries(row.message_headers).map(([name, value]) => [name, Buffer.from(value, "base64").toString("utf8")])),
		},
		at: row.dead_lettered_at,
		redrive: row.redrive_outcome === null ? null : { outcome: row.redrive_outcome, reason: row.redrive_reason, at: row.redriven_at },
	};
}

/** A dead letter as the listing answers it (REST and the REPL read the same shape). */
export type ListedLetter = ReturnType<typeof letterView>;

const redriveView = ({ id, who, at, selector, letters }: RedriveRecord) => ({ redrive_id: Number(id), who, at, selector, letters });

export interface ListLettersInput {
	topic?: string;
	reason?: string;
	order_id?: number | string;
	status?: LetterStatus;
	limit?: number | string;
	cursor?: string;
}

export async function deadLetters(db: Sequelize, input: ListLettersInput) {
	const limit = limitOf(input.limit);
	const rows = await listDeadLetters(db, {
		topic: input.topic,
		reason: input.reason,
		orderId: input.order_id === undefined ? undefined : (toPositiveInt(input.order_id) as number),
		status: input.status ?? "dead",
		beforeId: cursorOf(input.cursor),
		limit: limit + 1,
	});
	const { items, next_cursor } = page(rows, limit, letterView);
	return { dead_letters: items, next_cursor };
}

export async function redrives(db: Sequelize, input: { limit?: number | string; cursor?: string }) {
	const limit = limitOf(input.limit);
	const { items, next_cursor } = page(await listRedrives(db, cursorOf(input.cursor), limit + 1), limit, redriveView);
	return { redrives: items, next_cursor };
}

export async function deadLetterSummary(db: Sequelize) {
	return { counts: await countDeadLetters(db) };
}

/** Redrives what `input` names; the result in the audit's shape, plus `more` and the orders whose reads are now stale. */
export async function redriveLetters(db: Sequelize, topics: SagaTopics, who: string, input: RedriveInput): Promise<{ answer: object; changedOrderIds: number[] }> {
	const selector = redriveSelector(input);
	if ("error" in selector) throw invalidField("", "redriveSelector", selector.error);
	let result: RedriveResult;
	try {
		result = await redrive(db, statusMappings(topics), who, selector);
	} catch (err) {
		if (err instanceof UnknownLetterError) throw new DeadLetterNotFoundError(err.message, selector);
		throw err;
	}
	return { answer: { ...redriveView(result), more: result.more }, changedOrderIds: result.changedOrderIds };
}
