/**
 * The Kafka value of an outbox row, from its payload's jsonb text (the claim
 * selects `payload::text`, so `pg` does not parse it). A saga payload gives the
 * contract's bytes as encodeSagaMessage (domain/saga-message.ts) writes them:
 * its fields in the contract's order (jsonb keeps its own, shortest key first)
 * and no spaces (jsonb's text has them); any other payload, compact JSON.
 */
import { encodeSagaMessage, type SagaMessage } from "../../domain/saga-message";

/** A string as jsonb writes it: every quote inside escaped, and escapes as JSON.stringify writes them. */
const STRING = String.raw`"(?:[^"\\]|\\.)*"`;

/**
 * jsonb's text of a saga payload of exactly the contract's fields, with string
 * key and status and an integer order_id of at most 15 digits (which jsonb and
 * JSON.stringify print alike). Matching it spares a JSON parse and stringify per event.
 */
const SAGA_JSONB = new RegExp(String.raw`^\{"status": (${STRING}), "order_id": (-?\d{1,15}), "idempotent_key": (${STRING})\}$`);

export function messageValue(payloadText: string): string {
	const saga = SAGA_JSONB.exec(payloadText);
	if (saga) return `{"idempotent_key":${saga[3]},"order_id":${saga[2]},"status":${saga[1]}}`;
	return encodedPayload(JSON.parse(payloadText));
}

/** Any other payload: a saga payload's contract fields (extra ones dropped) in the contract's order, anything else as JSON. */
function encodedPayload(payload: unknown): string {
	const p = payload as Partial<SagaMessage> | null;
	if (p && typeof p === "object" && "idempotent_key" in p && "order_id" in p && "status" in p) {
		return encodeSagaMessage(p as SagaMessage);
	}
	return JSON.stringify(payload);
}
