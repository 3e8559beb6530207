/**
 * Records saga states: one database transaction per batch of requests.
 *
 * The orders rows of a batch are locked first, in order_id order (so two nodes
 * serialise on an order and never deadlock); under those locks every request is
 * decided in memory (domain/state-batch.ts), in batch order, against the recorded
 * states (or the current state alone, where that decides the same), the applied
 * keys and the parked messages of its order; then the batch's
 * writes go out in a few set-based statements. Every write to order_states,
 * applied_messages and parked_messages of an order happens while its orders row
 * is locked, but for the sweep's delete of the rows it claimed
 * (lib/listeners/parked-sweep.ts): a claimed row is never applied, only known.
 */
import type { QueryResult } from "pg";
import { DataTypes, type Sequelize, type Transaction } from "sequelize";
import { decidedByCurrentState, ORDER_STATES, type OrderState } from "../../domain/order-state";
import { isUuid } from "../../domain/saga-message";
import { decideBatch, keyOf, type ApplyOutcome, type ApplyRequest, type BatchWrites, type KeyRecord, type ParkedRow } from "../../domain/state-batch";
import type { ModelDefinition } from "../platform/clients/moleculer-db";
import { inPoolTransaction, type PgConnection } from "./pool-transaction";
import { RECORD_STATES_SQL, recordStatesRows } from "./record-states-statement";

export interface BatchResult {
	outcomes: ApplyOutcome[];
	/** Orders that got a new state (their cached reads are stale). */
	changedOrderIds: number[];
}

/** Order ids (integers, checked by batchLiterals) as an SQL array literal. */
const bigintArray = (orderIds: number[]): string => `'{${orderIds.join(",")}}'::bigint[]`;

/** What one pass over a batch's requests gives: its SQL literals and the states asked of each order. */
interface BatchLiterals {
	/** Each request's order id, in request order: its orders (an order id may repeat, which `= ANY` ignores) and the first half of its (order id, key) pairs. */
	orders: string;
	/** Each request's key, in request order: the second half of the pairs. */
	keys: string;
	/** The states each order of the batch is asked to take, in batch order. */
	requested: Map<number, OrderState[]>;
}

/**
 * The batch's values as SQL array literals, inlined into the statements sent
 * with the transaction's opening (a multi-statement text takes no parameters).
 * Integers and UUIDs only, each checked here once: never a string from a message.
 */
function batchLiterals(requests: ApplyRequest[]): BatchLiterals {
	const orders: number[] = [];
	const keys: string[] = [];
	const requested = new Map<number, OrderState[]>();
	for (const { order_id: id, idempotent_key: key, state } of requests) {
		if (!Number.isSafeInteger(id)) throw new TypeError(`order_id ${String(id)} is not an integer`);
		if (!isUuid(key)) throw new TypeError(`idempotent_key ${JSON.stringify(key)} is not a UUID`);
		orders.push(id);
		keys.push(key);
		const states = requested.get(id);
		if (states) states.push(state);
		else requested.set(id, [state]);
	}
	return { orders: bigintArray(orders), keys: `'{${keys.join(",")}}'::uuid[]`, requested };
}

/**
 * Locks the batch's orders, in order_id order (the ones that exist), and
 * answers their ids by current state as one JSON text, {"ORDER_CREATED": [ids],
 * ...}: one value to parse, not a row per order, and a state written once per
 * state rather than once per order (a JSON pair per order cost PostgreSQL about
 * 0.5 us per order more than the lock itself). A row it had to wait for is answered as the
 * holder of the lock committed it (FOR UPDATE follows the row to its latest
 * version), so the state is current.
 */
const lockSql = (orders: string) =>
	`SELECT coalesce(json_object_agg(state, ids), '{}')::text AS locked
	   FROM (SELECT state, array_agg(order_id) AS ids
	           FROM (SELECT order_id, state FROM orders WHERE order_id = ANY(${orders}) ORDER BY order_id FOR UPDATE) l
	          GROUP BY state) s`;

/**
 * What the batch's decisions need besides the locks and the current states:
 * the batch's applied keys and the orders' parked messages (in the order they
 * were parked). A statement of its own AFTER the lock statement: a statement's
 * snapshot is taken when it starts, so one that waited for a lock would not
 * see what the previous holder of the lock committed (its new keys, its parked
 * rows). Each statement of a multi-statement text takes its own snapshot, so
 * it may travel with the lock in one round trip. Only the batch's own keys are
 * looked up among the applied ones (all a decision asks of them): one probe of
 * the primary key each (`unnest` joined LATERALly, OFFSET 0 keeping each
 * lookup an index probe; the pairs are read straight from `unnest`, a
 * materialized copy of them cost PostgreSQL about 0.4 us per key more).
 * Answered as ONE JSON text of compact arrays: the node parses one string
 * natively instead of a row object per key. Parked messages
 * are few: a plain `= ANY` lets the planner pick its scan.
 */
const readSql = ({ orders, keys }: BatchLiterals) => `
	SELECT json_build_array(
	  (SELECT coalesce(json_agg(json_build_array(a.order_id, a.idempotent_key, a.state)), '[]')
	     FROM unnest(${orders}, ${keys}) AS k(order_id, idempotent_key), LATERAL (SELECT order_id, idempotent_key, state FROM applied_messages
	                                  WHERE order_id = k.order_id AND idempotent_key = k.idempotent_key OFFSET 0) a),
	  (SELECT coalesce(json_agg(json_build_array(order_id, idempotent_key, state, coalesce(claimed_until > now(), false),
	                                             source_topic, source_partition, source_offset::text) ORDER BY parked_at, source_offset), '[]')
	     FROM parked_messages WHERE order_id = ANY(${orders}))
	)::text AS found`;

/**
 * The recorded states of these orders, oldest first, as one JSON text of
 * [order_id, state] pairs; looked up order by order, as the keys are: `= ANY`
 * of a thousand ids made the planner estimate each id and then read the whole
 * of order_states. Read only for the orders whose current state does not decide
 * the batch's requests alone (domain/order-state.ts decidedByCurrentState).
 */
const historySql = (ids: string) => `
	SELECT coalesce(json_agg(json_build_array(s.order_id, s.state) ORDER BY s.recorded_at, s.id), '[]')::text AS history
	  FROM unnest(${ids}) AS b(order_id), LATERAL (SELECT order_id, state, recorded_at, id FROM order_states WHERE order_id = b.order_id OFFSET 0) s`;

/** What the decisions of a batch read under its locks. */
interface LockedInputs {
	/** Each locked order's recorded states, oldest first, or its current state alone where that decides its requests. */
	history: Map<number, OrderState[]>;
	applied: Map<string, KeyRecord>;
	parked: ParkedRow[];
}

/** readSql's answer: [applied [order_id, key, state], parked [order_id, key, state, claimed, topic, partition, offset]]. */
type Found = [Array<[number, string, OrderState]>, Array<[number, string, OrderState, boolean, string, number, string]>];

/**
 * Opens the transaction, locks the orders and reads under the locks: one round
 * trip. An order whose current state decides its requests alone, and which has
 * no parked message, is decided against that state; the others' histories are
 * read in a second round trip (orders imported out of order, early messages).
 */
async function lockAndRead(connection: PgConnection, open: string, requests: ApplyRequest[]): Promise<LockedInputs> {
	const batch = batchLiterals(requests);
	const results = (await connection.query(`${open}; ${lockSql(batch.orders)}; ${readSql(batch)}`)) as unknown as QueryResult[];
	const locked = JSON.parse((results[1].rows[0] as { locked: string }).locked) as Partial<Record<OrderState, number[]>>;
	const [applied, parked] = JSON.parse((results[2].rows[0] as { found: string }).found) as Found;
	const inputs: LockedInputs = { history: new Map(), applied: new Map(), parked: [] };
	for (const [orderId, key, state] of applied) inputs.applied.set(keyOf(orderId, key), { state });
	const withParked = new Set<number>();
	for (const [orderId, key, state, claimed, topic, partition, offset] of parked) {
		inputs.parked.push({ order_id: String(orderId), idempotent_key: key, state, claimed, source: { topic, partition, offset } });
		withParked.add(orderId);
	}
	const needHistory: number[] = [];
	for (const [current, orderIds] of Object.entries(locked) as Array<[OrderState, number[]]>) {
		for (const orderId of orderIds) {
			if (!withParked.has(orderId) && decidedByCurrentState(current, batch.requested.get(orderId) ?? [])) inputs.history.set(orderId, [current]);
			else needHistory.push(orderId);
		}
	}
	if (needHistory.length > 0) {
		for (const orderId of needHistory) inputs.history.set(orderId, []);
		const { rows } = await connection.query(historySql(bigintArray(needHistory)));
		for (const [orderId, state] of JSON.parse((rows[0] as { history: string }).history) as Array<[number, OrderState]>) inputs.history.get(orderId)?.push(state);
	}
	return inputs;
}

/** Set-based writes of one batch; rows go in as one jsonb array per table. */
async function write(connection: PgConnection, writes: BatchWrites): Promise<void> {
	const run = async (sql: string, ...rows: unknown[][]) => {
		if (rows.some((r) => r.length > 0)) await connection.query(sql, rows.map((r) => JSON.stringify(r)));
	};
	// Parked messages that can now follow leave the table before their state is recorded.
	await run(
		`DELETE FROM parked_messages p USING jsonb_to_recordset($1::jsonb) AS x(order_id bigint, idempotent_key uuid)
		  WHERE p.order_id = x.order_id AND p.idempotent_key = x.idempotent_key`,
		writes.unparked,
	);
	// The common case in one statement: history rows, applied keys (with where each was read), current state.
	await run(RECORD_STATES_SQL, ...recordStatesRows(writes.states, writes.applied, writes.latest));
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
	return inPoolTransaction(db, within, async (connection, open) => {
		const { outcomes, writes } = decideBatch(requests, await lockAndRead(connection, open, requests));
		await write(connection, writes);
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
