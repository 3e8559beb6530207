/**
 * One order's timeline as the console shows it: its states with their times,
 * its events in the outbox, the Kafka messages applied for it and those parked
 * for it. One round trip: every part is a json_agg of the same statement.
 */
import { QueryTypes, type Sequelize } from "sequelize";
import type { OrderState } from "../../domain/order-state";

export interface TimelineState {
	state: OrderState;
	time: string;
	/** Time since the state before it (null for the first). */
	after_ms: number | null;
}

export interface OutboxEvent {
	topic: string;
	created_at: string;
	/** null: not published yet. */
	sent_at: string | null;
}

export interface AppliedMessage {
	idempotent_key: string;
	state: OrderState;
	applied_at: string;
	/** Where the message was read; null for keys applied before migration 0007. */
	topic: string | null;
	partition: number | null;
	offset: string | null;
}

export interface ParkedMessage {
	idempotent_key: string;
	state: OrderState;
	topic: string;
	partition: number;
	offset: string;
	parked_at: string;
	/** Being dead-lettered by the sweep right now. */
	claimed: boolean;
}

export interface OrderTimeline {
	order_id: number;
	user_id: number;
	description: string;
	state: OrderState;
	created_at: string;
	states: TimelineState[];
	outbox: OutboxEvent[];
	applied: AppliedMessage[];
	parked: ParkedMessage[];
}

const TIMELINE_SQL = `
	SELECT o.order_id, o.user_id, o.description, o.state, o.created_at,
	  coalesce((SELECT json_agg(json_build_object('state', s.state, 'time', s.recorded_at,
	              'after_ms', round(extract(epoch FROM s.recorded_at - s.previous) * 1000)) ORDER BY s.recorded_at, s.id)
	            FROM (SELECT id, state, recorded_at, lag(recorded_at) OVER (ORDER BY recorded_at, id) AS previous
	                    FROM order_states WHERE order_id = o.order_id) s), '[]') AS states,
	  coalesce((SELECT json_agg(json_build_object('topic', x.topic, 'created_at', x.created_at, 'sent_at', outbox_sent_at(x)) ORDER BY x.id)
	            FROM outbox x WHERE x.message_key = o.order_id::text), '[]') AS outbox,
	  coalesce((SELECT json_agg(json_build_object('idempotent_key', a.idempotent_key, 'state', a.state, 'applied_at', a.applied_at,
	              'topic', a.source_topic, 'partition', a.source_partition, 'offset', a.source_offset::text) ORDER BY a.applied_at)
	            FROM applied_messages a WHERE a.order_id = o.order_id), '[]') AS applied,
	  coalesce((SELECT json_agg(json_build_object('idempotent_key', p.idempotent_key, 'state', p.state, 'topic', p.source_topic,
	              'partition', p.source_partition, 'offset', p.source_offset::text, 'parked_at', p.parked_at,
	              'claimed', coalesce(p.claimed_until > now(), false)) ORDER BY p.parked_at)
	            FROM parked_messages p WHERE p.order_id = o.order_id), '[]') AS parked
	FROM orders o WHERE o.order_id = $1`;

/** pg gives timestamps inside json as PostgreSQL's text: made ISO (UTC) like every other time of the API. */
const iso = (time: string): string => new Date(time).toISOString();

export async function findTimeline(db: Sequelize, orderId: number): Promise<OrderTimeline | null> {
	const [row] = await db.query<Omit<OrderTimeline, "order_id" | "user_id" | "created_at"> & { order_id: string; user_id: string; created_at: Date }>(TIMELINE_SQL, {
		bind: [orderId],
		type: QueryTypes.SELECT,
	});
	if (!row) return null;
	return {
		order_id: Number(row.order_id),
		user_id: Number(row.user_id),
		description: row.description,
		state: row.state,
		created_at: row.created_at.toISOString(),
		states: row.states.map((s) => ({ ...s, time: iso(s.time) })),
		outbox: row.outbox.map((e) => ({ ...e, created_at: iso(e.created_at), sent_at: e.sent_at && iso(e.sent_at) })),
		applied: row.applied.map((a) => ({ ...a, applied_at: iso(a.applied_at) })),
		parked: row.parked.map((p) => ({ ...p, parked_at: iso(p.parked_at) })),
	};
}
