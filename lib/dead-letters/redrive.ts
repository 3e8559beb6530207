/**
 * A redrive: the stored original messages of some dead letters go through the
 * state store's exactly-once path (lib/state/state-store.ts applyBatch), parsed
 * as the listener of their topic parses them, in ONE transaction with marking
 * each letter and writing the audit row. A message applied before is a
 * duplicate, so a second redrive changes no state; an early one parks again
 * with its original source, so the parked-message sweep can dead-letter it again.
 */
import type { Sequelize } from "sequelize";
import type { RedriveSelector } from "../../domain/dead-letter-input";
import { parseSagaMessage, type StatusMapping } from "../../domain/saga-message";
import type { ApplyOutcome, ApplyRequest } from "../../domain/state-batch";
import { applyBatch } from "../state";
import { lockLetters, recordRedrive, type RedriveOutcome, type RedriveRecord, type RedrivenLetter, type StoredLetter } from "./dead-letter-store";

/** Letters one bulk redrive takes (one transaction, like one listener chunk); `more` says when others are left. */
export const MAX_REDRIVE = 1_000;

export interface RedriveResult extends RedriveRecord {
	/** A bulk redrive left letters for another call. */
	more: boolean;
	/** Orders that got a new state: their cached reads are stale. */
	changedOrderIds: number[];
}

/** Raised when a redrive names one letter that is not recorded. */
export class UnknownLetterError extends Error {
	override name = "UnknownLetterError";
}

const base64 = (value: Buffer | null): string | null => (value === null ? null : value.toString("base64"));

/** The letter's message as the listener of its topic would hand it to the state store, or why it cannot be. */
function requestOf(letter: StoredLetter, mappings: ReadonlyMap<string, StatusMapping>): ApplyRequest | RedriveOutcome {
	const mapping = mappings.get(letter.topic);
	if (!mapping) return { outcome: "rejected", reason: "unknown_topic" };
	const parsed = parseSagaMessage(letter.message_value, mapping.statuses);
	if (!parsed.ok) return { outcome: "rejected", reason: "malformed" };
	const { order_id, idempotent_key, status } = parsed.message;
	return {
		order_id,
		idempotent_key,
		state: mapping.toState(status),
		source: {
			topic: letter.topic,
			partition: letter.partition,
			offset: letter.offset,
			key: base64(letter.message_key),
			value: base64(letter.message_value) ?? "",
			headers: letter.message_headers,
		},
	};
}

function outcomeOf(applied: ApplyOutcome): RedriveOutcome {
	switch (applied.result) {
		case "rejected":
			return { outcome: "rejected", reason: applied.reason };
		case "early":
			// Every request carries its source, so the store parks an early one; "early" would mean it stored nothing.
			throw new Error("the state store stored nothing for an early message");
		default:
			return { outcome: applied.result };
	}
}

/**
 * Redrives the letters `selector` names, recorded as done by `who`. `mappings`
 * maps each consumed topic to its statuses. Throws UnknownLetterError when one
 * letter is named and not recorded.
 */
export function redrive(db: Sequelize, mappings: ReadonlyMap<string, StatusMapping>, who: string, selector: RedriveSelector): Promise<RedriveResult> {
	return db.transaction(async (t) => {
		const locked = await lockLetters(db, t, selector, MAX_REDRIVE + 1);
		if ("offset" in selector && locked.length === 0) {
			throw new UnknownLetterError(`No dead letter of ${selector.topic} at partition ${selector.partition} offset ${selector.offset}`);
		}
		const letters = locked.slice(0, MAX_REDRIVE);
		const judged = letters.map((letter) => requestOf(letter, mappings));
		const requests = judged.filter((j): j is ApplyRequest => "state" in j);
		const { outcomes, changedOrderIds } = await applyBatch(db, requests, t);
		let next = 0;
		const redriven: RedrivenLetter[] = letters.map((letter, i) => {
			const j = judged[i];
			const outcome = "state" in j ? outcomeOf(outcomes[next++]) : j;
			const orderId = "state" in j ? j.order_id : letter.order_id === null ? null : Number(letter.order_id);
			return { topic: letter.topic, partition: letter.partition, offset: letter.offset, order_id: orderId, dead_letter_reason: letter.reason, ...outcome };
		});
		const record = await recordRedrive(db, t, who, selector, redriven);
		return { ...record, more: locked.length > letters.length, changedOrderIds };
	});
}
