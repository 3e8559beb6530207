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
	if (typeof idempotent_key !== "string" || !UUID_PATTERN.test(idempotent_key)) {
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
	return { statuses, toState: (status) => `${prefix}_${status}` as OrderState };
}

export const reserveStates: StatusMapping = mapping("RESERVE", ["CREATED", "FAILED"]);
export const paymentStates: StatusMapping = mapping("PAYMENT", ["CREATED", "FAILED", "COMPLETED"]);

