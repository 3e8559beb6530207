/**
 * The Kafka messages of the contract (docs/kafka-behaviour.md): `{"idempotent_key", "order_id", "status"}`.
 * Parsing is total: any input gives a message or the reason it is malformed.
 */
import type { OrderState } from "./order-state";

export interface SagaMessage {
	idempotent_key: string;
	order_id: number;
	status: string;
}

export type ParseResult = { ok: true; message: SagaMessage } | { ok: false; error: string };

/** An idempotent_key's spelling (any case: PostgreSQL's uuid compares case-insensitively). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** 1 for the char codes of hex digits, either case. */
const HEX = new Uint8Array(128);
for (const c of "0123456789abcdefABCDEF") HEX[c.charCodeAt(0)] = 1;

/**
 * UUID_PATTERN.test(key), char by char: a key is checked on every message
 * (here and before it goes into SQL), and the loop costs less than half the
 * regular expression's matching.
 */
export function isUuid(key: string): boolean {
	if (key.length !== 36) return false;
	for (let i = 0; i < 36; i++) {
		const c = key.charCodeAt(i);
		if (i === 8 || i === 13 || i === 18 || i === 23 ? c !== 45 : c > 127 || HEX[c] !== 1) return false;
	}
	return true;
}

/** Reads a message value whose status must be one of `statuses`. */
export function parseSagaMessage(value: Buffer | string | null | undefined, statuses: readonly string[]): ParseResult {
	if (value === null || value === undefined || value.length === 0) return { ok: false, error: "empty message value" };
	let body: unknown;
	try {
		body = JSON.parse(value.toString());
	} catch {
		return { ok: false, error: "value is not JSON" };
	}
	if (typeof body !== "object" || body === null || Array.isArray(body)) return { ok: false, error: "value is not a JSON object" };
	const { idempotent_key, order_id, status } = body as Record<string, unknown>;
	if (typeof idempotent_key !== "string" || !isUuid(idempotent_key)) {
		return { ok: false, error: "idempotent_key must be a UUID string" };
	}
	if (typeof order_id !== "number" || !Number.isSafeInteger(order_id) || order_id <= 0) {
		return { ok: false, error: "order_id must be a positive integer" };
	}
	if (typeof status !== "string" || !statuses.includes(status)) {
		return { ok: false, error: `status must be one of ${statuses.join(", ")}` };
	}
	return { ok: true, message: { idempotent_key: idempotent_key.toLowerCase(), order_id, status } };
}

export const encodeSagaMessage = (message: SagaMessage): string =>
	JSON.stringify({ idempotent_key: message.idempotent_key, order_id: message.order_id, status: message.status });

/** Maps a message status of one topic to the order state it records. */
export interface StatusMapping {
	statuses: readonly string[];
	toState(status: string): OrderState;
}

function mapping(prefix: "RESERVE" | "PAYMENT", statuses: readonly string[]): StatusMapping {
	// Looked up, not concatenated per message: one string per state, shared by every request of a batch.
	const states = new Map(statuses.map((status) => [status, `${prefix}_${status}` as OrderState]));
	return {
		statuses,
		toState: (status) => {
			const state = states.get(status);
			if (state === undefined) throw new TypeError(`status ${status} is not one of ${statuses.join(", ")}`);
			return state;
		},
	};
}

export const reserveStates: StatusMapping = mapping("RESERVE", ["CREATED", "FAILED"]);
export const paymentStates: StatusMapping = mapping("PAYMENT", ["CREATED", "FAILED", "COMPLETED"]);

