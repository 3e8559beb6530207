/**
 * Records saga states: one database transaction per batch of requests.
 *
 * The orders rows of a batch are locked first, in order_id order (so two nodes
 * serialise on an order and never deadlock); under those locks every request is
 * decided in memory (domain/state-batch.ts), in batch order, against the recorded
 * states, the applied keys and the parked messages of its order; then the batch's
 * writes go out in a few set-based statements. Every write to order_states,
 * applied_messages and parked_messages of an order happens while its orders row
 * is locked, but for the sweep's delete of the rows it claimed
 * (lib/listeners/parked-sweep.ts): a claimed row is never applied, only known.
 */
import { DataTypes, QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { ORDER_STATES, type OrderState } from "../../domain/order-state";
import { decideBatch, keyOf, type ApplyOutcome, type ApplyRequest, type BatchWrites, type KeyRecord, type ParkedRow } from "../../domain/state-batch";
import type { ModelDefinition } from "../platform/moleculer-db";
import { RECORD_STATES_SQL, recordStatesRows } from "./record-states-statement";

export interface BatchResult {
	outcomes: ApplyOutcome[];
	/** Orders that got a new state (their cached reads are stale). */
	changedOrderIds: number[];
}

/** Locks the orders and reads each one's recorded states, oldest first (as text: pg does not parse arrays of the enum). */
async function lockOrders(db: Sequelize, t: Transaction, orderIds: number[]): Promise<Map<number, OrderState[]>> {
	const rows = await db.query<{ order_id: string; history: OrderState[] }>(
		`SELECT o.order_id, ARRAY(SELECT s.state::text FROM order_states s WHERE s.order_id = o.order_id ORDER BY s.recorded_at, s.id) AS history
		   FROM orders o WHERE o.order_id = ANY($1::bigint[]) ORDER BY o.order_id FOR UPDATE`,
		{ bind: [orderIds], transaction: t, type: QueryTypes.SELECT },
	);
	return new Map(rows.map((r) => [Number(r.order_id), r.history]));
}

/**
 * What the batch's decisions need besides the locked orders, in one round trip:
 * the requests' keys already applied, and the parked messages of the locked
 * orders (in the order they were parked). Read after the locks are held, so it
 * sees everything the previous holder of a lock committed.
 */
async function keysAndParked(
	db: Sequelize,
	t: Transaction,
	requests: ApplyRequest[],
	orderIds: number[],
): Promise<{ applied: Map<string, KeyRecord>; parked: ParkedRow[]; parkedSources: Sources }> {
	const rows = await db.query<ParkedRow & { parked: boolean; source_topic: string | null; source_partition: number | null; source_offset: string | null }>(
		`SELECT * FROM (
		   SELECT false AS parked, a.order_id, a.idempotent_key, a.state, false AS claimed, NULL::timestamptz AS parked_at,
		          NULL::text AS source_topic, NULL::integer AS source_partition, NULL::bigint AS source_offset
		     FROM applied_messages a
		     JOIN unnest($1::bigint[], $2::uuid[]) AS k(order_id, idempotent_key) USING (order_id, idempotent_key)
		   UNION ALL
		   SELECT true, order_id, idempotent_key, state, coalesce(claimed_until > now(), false), parked_at, source_topic, source_partition, source_offset
		     FROM parked_messages WHERE order_id = ANY($3::bigint[])
		 ) found
		 ORDER BY parked, parked_at, source_offset`,
		{ bind: [requests.map((r) => r.order_id), requests.map((r) => r.idempotent_key), orderIds], transaction: t, type: QueryTypes.SELECT },
	);
	const applied = new Map<string, KeyRecord>();
	const parked: ParkedRow[] = [];
	const parkedSources: Sources = new Map();
	for (const { parked: isParked, order_id, idempotent_key, state, claimed, source_topic, source_partition, source_offset } of rows) {
		if (isParked) {
			parked.push({ order_id, idempotent_key, state, claimed });
			parkedSources.set(keyOf(order_id, idempotent_key), { topic: source_topic as string, partition: source_partition as number, offset: String(source_offset) });
		} else applied.set(keyOf(order_id, idempotent_key), { state });
	}
	return { applied, parked, parkedSources };
}

/** Where each message of a batch was read (topic, partition, offset), by order and key: recorded with its applied key. */
type Sources = Map<string, { topic: string; partition: number; offset: string }>;

function sourcesOf(requests: ApplyRequest[], parked: Sources): Sources {
	const sources: Sources = new Map(parked);
	for (const { order_id, idempotent_key, source } of requests) {
		if (source) sources.set(keyOf(order_id, idempotent_key), { topic: source.topic, partition: source.partition, offset: source.offset });
	}
	return sources;
}

/** Set-based writes of one batch; rows go in as one jsonb array per table. */
async function write(db: Sequelize, t: Transaction, writes: BatchWrites, sources: Sources): Promise<void> {
	const run = (sql: string, ...rows: unknown[][]) =>
		rows.every((r) => r.length === 0) ? Promise.resolve() : db.query(sql, { bind: rows.map((r) => JSON.stringify(r)), transaction: t, type: QueryTypes.INSERT });
	// Parked messages that can now follow leave the table before their state is recorded.
	await run(
		`DELETE FROM parked_messages p USING jsonb_to_recordset($1::jsonb) AS x(order_id bigint, idempotent_key uuid)
		  WHERE p.order_id = x.order_id AND p.idempotent_key = x.idempotent_key`,
		writes.unparked,
	);
	// The common case in one statement: history rows, applied keys (with where each was read), current state.
	const applied = writes.applied.map((a) => ({ ...a, ...sources.get(keyOf(a.order_id, a.idempotent_key)) }));
	await run(RECORD_STATES_SQL, ...recordStatesRows(writes.states, applied, writes.latest));
	await run(
		`INSERT INTO parked_messages (order_id, idempotent_key, state, source_topic, source_partition, source_offset,
		                              message_key, message_value, message_headers)
		 SELECT order_id, idempotent_key, state, topic, partition, "offset"::bigint,
		        decode(key, 'base64'), decode(value, 'base64'), headers
		   FROM jsonb_to_recordset($1::jsonb) AS x(order_id bigint, idempotent_key uuid, state order_state, topic text,
		                                           partition integer, "offset" text, key text, value text, headers jsonb)`,
		writes.parked.map(({ order_id, idempotent_key, state, source }) => ({ order_id, idempotent_key, state, ...source })),
	);
}

/**
 * Decides and records a batch in ONE transaction; outcomes are in request order.
 * Within a transaction the caller holds (`within`) it runs in a savepoint of it.
 */
export async function applyBatch(db: Sequelize, requests: ApplyRequest[], within?: Transaction): Promise<BatchResult> {
	if (requests.length === 0) return { outcomes: [], changedOrderIds: [] };
	const orderIds = [...new Set(requests.map((r) => r.order_id))].sort((a, b) => a - b);
	return db.transaction({ transaction: within }, async (t) => {
		const history = await lockOrders(db, t, orderIds);
		const { applied, parked, parkedSources } = await keysAndParked(db, t, requests, [...history.keys()]);
		const { outcomes, writes } = decideBatch(requests, { history, applied, parked });
		await write(db, t, writes, sourcesOf(requests, parkedSources));
		return { outcomes, changedOrderIds: [...writes.latest.keys()] };
	});
}

/**
 * Deletes applied-key records older than `retentionMs`, `chunk` rows per statement
 * (short transactions, no long lock); SKIP LOCKED lets several nodes prune at once.
 * Returns the number of rows deleted.
 */
export async function pruneAppliedKeys(db: Sequelize, retentionMs: number, chunk = 5_000): Promise<number> {
	let total = 0;
	for (;;) {
		const [, result] = await db.query(
			`DELETE FROM applied_messages a USING (
			   SELECT order_id, idempotent_key FROM applied_messages
			    WHERE applied_at < now() - make_interval(secs => $1::double precision / 1000)
			    LIMIT $2 FOR UPDATE SKIP LOCKED) old
			  WHERE a.order_id = old.order_id AND a.idempotent_key = old.idempotent_key`,
			{ bind: [retentionMs, chunk] },
		);
		const deleted = (result as { rowCount?: number }).rowCount ?? 0;
		total += deleted;
		if (deleted < chunk) return total;
	}
}

/** applied_messages as moleculer-db's model of the state service, as migrations/ create it (never sync()ed). */
export const APPLIED_MESSAGE_MODEL: ModelDefinition = {
	name: "AppliedMessage",
	define: {
		order_id: { type: DataTypes.BIGINT, primaryKey: true },
		idempotent_key: { type: DataTypes.UUID, primaryKey: true },
		state: { type: DataTypes.ENUM(...ORDER_STATES), allowNull: false },
		applied_at: { type: DataTypes.DATE, allowNull: false },
	},
	options: { tableName: "applied_messages", timestamps: false },
};
