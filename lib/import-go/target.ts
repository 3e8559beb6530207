/**
 * This service's database as the import target: what of a batch is already
 * here, and the write of a batch's new orders in ONE transaction (orders,
 * products, states, unsent outbox events, and the identity moved past the
 * largest Go id of the batch, refused orders' included), so a run stopped
 * anywhere leaves whole orders and resumes.
 */
import type { Client } from "pg";
import type { StoredOrder } from "../../domain/go-import/compare";
import type { ImportedEvent } from "../../domain/go-import/event";
import type { ImportedOrder } from "../../domain/go-import/order";
import { ImportError } from "./import-error";

const UTC_TEXT = `to_char(s.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Stops with one line when the target has not been migrated (dry runs do not migrate it). */
export async function checkTargetSchema(client: Client): Promise<void> {
	const { rows } = await client.query<{ ok: boolean }>("SELECT to_regclass('orders') IS NOT NULL AND to_regclass('outbox') IS NOT NULL AS ok");
	if (!rows[0].ok) throw new ImportError("the target database has no orders tables yet: run `npm run migrate` first");
}

/** The orders of `ids` this database already holds. */
export async function readStored(client: Client, ids: readonly number[]): Promise<Map<number, StoredOrder>> {
	const { rows } = await client.query<StoredOrder & { order_id: string; user_id: string }>(
		`SELECT o.order_id::text, o.user_id::text, o.description, o.state::text,
			COALESCE((SELECT json_agg(json_build_object('product_id', p.product_id, 'count', p.count) ORDER BY p.position)
				FROM order_products p WHERE p.order_id = o.order_id), '[]') AS products,
			COALESCE((SELECT json_agg(json_build_object('state', s.state, 'time', ${UTC_TEXT}) ORDER BY s.recorded_at, s.id)
				FROM order_states s WHERE s.order_id = o.order_id), '[]') AS states
		FROM orders o WHERE o.order_id = ANY($1::bigint[])`,
		[ids],
	);
	return new Map(rows.map((r) => [Number(r.order_id), { ...r, user_id: Number(r.user_id) }]));
}

/**
 * Writes the orders and their events; an order that appeared meanwhile (a
 * concurrent run) is left as it is, with its events. `largestGoId` is the
 * largest id of the Go batch, refused orders included: the peers know those
 * ids (payments keeps a unique order_id), so no order here may get one.
 * Returns the ids written.
 */
export async function writeBatch(
	client: Client,
	orders: readonly ImportedOrder[],
	events: ReadonlyMap<number, ImportedEvent[]>,
	largestGoId: number | null,
): Promise<number[]> {
	if (orders.length === 0 && largestGoId === null) return [];
	await client.query("BEGIN");
	try {
		const written = orders.length === 0 ? new Set<number>() : await insertOrders(client, orders);
		const mine = orders.filter((o) => written.has(o.order_id));
		await insertProducts(client, mine);
		await insertStates(client, mine);
		await insertEvents(client, mine.flatMap((o) => events.get(o.order_id) ?? []));
		await moveIdentityPast(client, Math.max(largestGoId ?? 0, ...orders.map((o) => o.order_id)));
		await client.query("COMMIT");
		return mine.map((o) => o.order_id);
	} catch (err) {
		await client.query("ROLLBACK").catch(() => undefined);
		throw err;
	}
}

async function insertOrders(client: Client, orders: readonly ImportedOrder[]): Promise<Set<number>> {
	const { rows } = await client.query<{ order_id: string }>(
		`INSERT INTO orders (order_id, user_id, description, state, created_at, updated_at) OVERRIDING SYSTEM VALUE
		SELECT o.id, o.user_id, o.description, o.state, COALESCE(o.created_at, now()), COALESCE(o.updated_at, now())
		FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::order_state[], $5::timestamptz[], $6::timestamptz[])
			AS o(id, user_id, description, state, created_at, updated_at)
		ON CONFLICT (order_id) DO NOTHING
		RETURNING order_id::text`,
		[
			orders.map((o) => o.order_id),
			orders.map((o) => o.user_id),
			orders.map((o) => o.description),
			orders.map((o) => o.state),
			// The Go order had no time of its own: its first and latest states give them.
			orders.map((o) => o.states[0].time),
			orders.map((o) => o.states[o.states.length - 1].time),
		],
	);
	return new Set(rows.map((r) => Number(r.order_id)));
}

async function insertProducts(client: Client, orders: readonly ImportedOrder[]): Promise<void> {
	const rows = orders.flatMap((o) => o.products.map((p, position) => ({ order: o.order_id, ...p, position })));
	await client.query(
		`INSERT INTO order_products (order_id, product_id, count, position)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::integer[], $4::smallint[])`,
		[rows.map((r) => r.order), rows.map((r) => r.product_id), rows.map((r) => r.count), rows.map((r) => r.position)],
	);
}

/** In history order, so the ids follow it where two states share a time. */
async function insertStates(client: Client, orders: readonly ImportedOrder[]): Promise<void> {
	const rows = orders.flatMap((o) => o.states.map((s) => ({ order: o.order_id, ...s })));
	await client.query(
		`INSERT INTO order_states (order_id, state, recorded_at)
		SELECT s.order_id, s.state, COALESCE(s.recorded_at, now())
		FROM unnest($1::bigint[], $2::order_state[], $3::timestamptz[]) WITH ORDINALITY AS s(order_id, state, recorded_at, n)
		ORDER BY s.n`,
		[rows.map((r) => r.order), rows.map((r) => r.state), rows.map((r) => r.time)],
	);
}

/** In Go's event order: the relay publishes one key's events in id order. */
async function insertEvents(client: Client, events: readonly ImportedEvent[]): Promise<void> {
	if (events.length === 0) return;
	await client.query(
		`INSERT INTO outbox (topic, message_key, payload, created_at)
		SELECT e.topic, e.message_key, e.payload, e.created_at
		FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::timestamptz[]) WITH ORDINALITY AS e(topic, message_key, payload, created_at, n)
		ORDER BY e.n`,
		[events.map((e) => e.topic), events.map((e) => e.message_key), events.map((e) => JSON.stringify(e.payload)), events.map((e) => e.created_at)],
	);
}

/** Orders created here after the import get ids above `largestId`; never moves it back. */
async function moveIdentityPast(client: Client, largestId: number): Promise<void> {
	await client.query(
		`SELECT setval(seq, GREATEST($1::bigint, COALESCE(pg_sequence_last_value(seq), 0)))
		FROM (SELECT pg_get_serial_sequence('orders', 'order_id')::regclass AS seq) AS s`,
		[largestId],
	);
}

/** The id the next order created here would get. */
export async function nextOrderId(client: Client): Promise<number> {
	const { rows } = await client.query<{ next: string }>(
		`SELECT COALESCE(pg_sequence_last_value(seq) + 1, 1)::text AS next
		FROM (SELECT pg_get_serial_sequence('orders', 'order_id')::regclass AS seq) AS s`,
	);
	return Number(rows[0].next);
}
