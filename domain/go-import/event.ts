/**
 * A Go `event` row still WAITing (not yet published) as an unsent outbox row.
 * Go published its order events on the topic "order"; here they go to this
 * service's order topic (ORDER_TOPIC), keyed by the order id like its own events.
 * The payload is the same JSON shape, kept as it was.
 */
import { utcFromPlainTimestamp } from "./utc-time";

export const GO_ORDER_TOPIC = "order";

export interface GoEventRow {
	id: string;
	topic: string;
	payload: unknown;
	created_at: string;
}

export interface ImportedEvent {
	topic: string;
	message_key: string;
	payload: unknown;
	created_at: string;
}

export function importEvent(row: GoEventRow, orderId: number, orderTopic: string): ImportedEvent {
	return {
		topic: row.topic === GO_ORDER_TOPIC ? orderTopic : row.topic,
		message_key: String(orderId),
		payload: row.payload,
		// An unreadable time is not worth losing the event for: it becomes the import time.
		created_at: utcFromPlainTimestamp(row.created_at) ?? new Date().toISOString(),
	};
}
