/**
 * Records saga states: one database transaction per batch of requests.
 *
 * The orders rows of a batch are locked first, in order_id order (so two nodes
 * serialise on an order and never deadlock); under those locks every request is
 * decided in memory, in batch order, against the latest state, the applied keys
 * and the parked messages of its order; then the batch's writes go out in a few
 * set-based statements. Every write to order_states, applied_messages and
 * parked_messages of an order happens while its orders row is locked.
 */
import { DataTypes, QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { decide, type OrderState } from "../../domain/order-state";

/** Where a consumed message came from; kept with a parked message so it can still be dead-lettered. */
export interface MessageSource {
	topic: string;
	partition: number;
	offset: string;
	/** base64, or null for a message without key */
	key: string | null;
	/** base64 of the original value */
	value: string;
	/** header name -> base64 value */
	headers: Record<string, string>;
}

export interface ApplyRequest {
	order_id: number;
	state: OrderState;
	idempotent_key: string;
	source?: MessageSource;
}

export type RejectReason = "idempotency_conflict" | "unknown_order" | "invalid_transition";

export type ApplyOutcome =
	| { result: "applied" }
	| { result: "duplicate" }
	/** Early, kept in parked_messages until its predecessor is recorded. */
	| { result: "parked" }
	/** Early and without a source to park it with: nothing stored, the caller may retry later. */
	| { result: "early" }
	| { result: "rejected"; reason: RejectReason };

export interface BatchResult {
	outcomes: ApplyOutcome[];
	/** Orders that got a new state (their cached reads are stale). */
	changedOrderIds: number[];
}

interface KeyRecord {
	state: OrderState;
}

interface ParkedRow {
	order_id: string;
	idempotent_key: string;
	state: OrderState;
	/** Set when the message was parked by this very batch (not in the table yet). */
	request?: number;
}

/** Everything the batch will write, collected while deciding. */
class BatchWrites {
	states: Array<{ order_id: number; state: OrderState }> = [];
	applied: Array<{ order_id: number; idempotent_key: string; state: OrderState }> = [];
	unparked: Array<{ order_id: number; idempotent_key: string }> = [];
	parked: Array<ApplyRequest & { source: MessageSource }> = [];
	latest = new Map<number, OrderState>();
}

const keyOf = (orderId: number | string, idempotentKey: string): string => `${orderId}:${idempotentKey.toLowerCase()}`;

async function lockOrders(db: Sequelize, t: Transaction, orderIds: number[]): Promise<Map<number, OrderState>> {
	const rows = await db.query<{ order_id: string; state: OrderState }>(
		"SELECT order_id, state FROM orders WHERE order_id = ANY($1::bigint[]) ORDER BY order_id FOR UPDATE",
		{ bind: [orderIds], transaction: t, type: QueryTypes.SELECT },
	);
	return new Map(rows.map((r) => [Number(r.order_id), r.state]));
}

async function appliedKeys(db: Sequelize, t: Transaction, requests: ApplyRequest[]): Promise<Map<string, KeyRecord>> {
	const rows = await db.query<{ order_id: string; idempotent_key: string; state: OrderState }>(
		`SELECT a.order_id, a.idempotent_key, a.state
		   FROM applied_messages a
		   JOIN unnest($1::bigint[], $2::uuid[]) AS k(order_id, idempotent_key) USING (order_id, idempotent_key)`,
		{ bind: [requests.map((r) => r.order_id), requests.map((r) => r.idempotent_key)], transaction: t, type: QueryTypes.SELECT },
	);
	return new Map(rows.map((r) => [keyOf(r.order_id, r.idempotent_key), { state: r.state }]));
}

async function parkedOf(db: Sequelize, t: Transaction, orderIds: number[]): Promise<ParkedRow[]> {
	return db.query<ParkedRow>(
		`SELECT order_id, idempotent_key, state FROM parked_messages
		  WHERE order_id = ANY($1::bigint[]) ORDER BY parked_at, source_offset`,
		{ bind: [orderIds], transaction: t, type: QueryTypes.SELECT },
	);
}

/** Decides every request in batch order; returns the outcomes and fills `writes`. */
function decideBatch(
	requests: ApplyRequest[],
	current: Map<number, OrderState>,
	applied: Map<string, KeyRecord>,
	parkedRows: ParkedRow[],
	writes: BatchWrites,
): ApplyOutcome[] {
	const parked = new Map<string, KeyRecord>(parkedRows.map((p) => [keyOf(p.order_id, p.idempotent_key), { state: p.state }]));
	const waiting = new Map<number, ParkedRow[]>();
	for (const p of parkedRows) waiting.set(Number(p.order_id), [...(waiting.get(Number(p.order_id)) ?? []), p]);

	const outcomes: ApplyOutcome[] = [];
	const record = (orderId: number, idempotentKey: string, state: OrderState) => {
		writes.states.push({ order_id: orderId, state });
		writes.applied.push({ order_id: orderId, idempotent_key: idempotentKey, state });
		writes.latest.set(orderId, state);
		current.set(orderId, state);
		applied.set(keyOf(orderId, idempotentKey), { state });
	};
	// A recorded state may let parked messages of the order follow, one after another.
	const applyWaiting = (orderId: number) => {
		const queue = waiting.get(orderId) ?? [];
		const nextReady = () => queue.findIndex((p) => decide(current.get(orderId) ?? null, p.state).kind === "apply");
		for (let next = nextReady(); next >= 0; next = nextReady()) {
			const [p] = queue.splice(next, 1);
			parked.delete(keyOf(orderId, p.idempotent_key));
			if (p.request === undefined) writes.unparked.push({ order_id: orderId, idempotent_key: p.idempotent_key });
			else {
				// Parked earlier in this batch: it never reaches the table.
				writes.parked = writes.parked.filter((w) => w !== requests[p.request as number]);
				outcomes[p.request] = { result: "applied" };
			}
			record(orderId, p.idempotent_key, p.state);
		}
	};

	const decideOne = (request: ApplyRequest, index: number): ApplyOutcome => {
		const { order_id: orderId, state, idempotent_key: idempotentKey } = request;
		const latest = current.get(orderId);
		if (latest === undefined) return { result: "rejected", reason: "unknown_order" };
		const seen = applied.get(keyOf(orderId, idempotentKey)) ?? parked.get(keyOf(orderId, idempotentKey));
		if (seen) return seen.state === state ? { result: "duplicate" } : { result: "rejected", reason: "idempotency_conflict" };

		const decision = decide(latest, state);
		if (decision.kind === "reject") return { result: "rejected", reason: decision.reason };
		if (decision.kind === "early") {
			if (!request.source) return { result: "early" };
			const row: ParkedRow = { order_id: String(orderId), idempotent_key: idempotentKey, state, request: index };
			writes.parked.push(request as ApplyRequest & { source: MessageSource });
			parked.set(keyOf(orderId, idempotentKey), { state });
			waiting.set(orderId, [...(waiting.get(orderId) ?? []), row]);
			return { result: "parked" };
		}
		record(orderId, idempotentKey, state);
		applyWaiting(orderId);
		return { result: "applied" };
	};
	requests.forEach((request, index) => {
		outcomes[index] = decideOne(request, index);
	});
	return outcomes;
}

/** Set-based writes of one batch; rows go in as one jsonb array per statement. */
async function write(db: Sequelize, t: Transaction, writes: BatchWrites): Promise<void> {
	const run = (sql: string, rows: unknown[]) =>
		rows.length === 0 ? Promise.resolve() : db.query(sql, { bind: [JSON.stringify(rows)], transaction: t, type: QueryTypes.INSERT });
	// Parked messages that can now follow leave the table before their state is recorded.
	await run(
		`DELETE FROM parked_messages p USING jsonb_to_recordset($1::jsonb) AS x(order_id bigint, idempotent_key uuid)
		  WHERE p.order_id = x.order_id AND p.idempotent_key = x.idempotent_key`,
		writes.unparked,
	);
	// WITH ORDINALITY ... ORDER BY keeps the ids (and recorded_at) in the order the states were decided.
	await run(
		`INSERT INTO order_states (order_id, state)
		 SELECT x.order_id, x.state
		   FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (order_id bigint, state order_state)) WITH ORDINALITY AS x(order_id, state, n)
		  ORDER BY x.n`,
		writes.states,
	);
	await run(
		`INSERT INTO applied_messages (order_id, idempotent_key, state)
		 SELECT order_id, idempotent_key, state FROM jsonb_to_recordset($1::jsonb) AS x(order_id bigint, idempotent_key uuid, state order_state)`,
		writes.applied,
	);
	await run(
		`UPDATE orders o SET state = x.state, updated_at = now()
		   FROM jsonb_to_recordset($1::jsonb) AS x(order_id bigint, state order_state) WHERE o.order_id = x.order_id`,
		[...writes.latest].map(([order_id, state]) => ({ order_id, state })),
	);
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

/** Decides and records a batch in ONE transaction; outcomes are in request order. */
export async function applyBatch(db: Sequelize, requests: ApplyRequest[]): Promise<BatchResult> {
	if (requests.length === 0) return { outcomes: [], changedOrderIds: [] };
	const orderIds = [...new Set(requests.map((r) => r.order_id))].sort((a, b) => a - b);
	return db.transaction(async (t) => {
		const current = await lockOrders(db, t, orderIds);
		const known = [...current.keys()];
		const applied = await appliedKeys(db, t, requests);
		const parked = await parkedOf(db, t, known);
		const writes = new BatchWrites();
		const outcomes = decideBatch(requests, current, applied, parked, writes);
		await write(db, t, writes);
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

/** The model moleculer-db wants for the state service (the service itself runs SQL). */
export const defineAppliedMessage = (db: Sequelize) =>
	db.define(
		"applied_message",
		{
			order_id: { type: DataTypes.BIGINT, primaryKey: true },
			idempotent_key: { type: DataTypes.UUID, primaryKey: true },
			state: DataTypes.STRING,
			applied_at: DataTypes.DATE,
		},
		{ tableName: "applied_messages", timestamps: false },
	);
