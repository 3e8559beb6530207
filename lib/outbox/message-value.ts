/**
 * The Kafka value of an outbox row from its payload's jsonb text, for the rows
 * whose value the database does not encode itself (outbox.message_value, migration 0008): a saga
 * payload's contract fields (extra ones dropped) in the contract's order, as
 * encodeSagaMessage (domain/saga-message.ts) writes them; anything else, compact JSON.
 */
import { encodeSagaMessage, type SagaMessage } from "../../domain/saga-message";

export function messageValue(payloadText: string): string {
	const payload = JSON.parse(payloadText) as unknown;
	const p = payload as Partial<SagaMessage> | null;
	if (p && typeof p === "object" && "idempotent_key" in p && "order_id" in p && "status" in p) {
		return encodeSagaMessage(p as SagaMessage);
	}
	return JSON.stringify(payload);
}
