/**
 * The write of a batch of new states as one SQL statement: history rows,
 * applied keys and each order's current state. Shared by the state store
 * (through Sequelize) and the benchmark's raw baseline (plain `pg`), so both
 * write exactly the same rows.
 */
import type { OrderState } from "../../domain/order-state";

/**
 * $1 the states [{order_id, state}] in the order they were decided (WITH
 * ORDINALITY ... ORDER BY keeps the ids and recorded_at in that order), $2 the
 * applied keys [{order_id, idempotent_key, state, topic?, partition?, offset?}] (where the message was read, when known), $3 the current state per order [{order_id, state}]; each a jsonb array.
 */
export const RECORD_STATES_SQL = `
	WITH history AS (
		INSERT INTO order_states (order_id, state)
		SELECT x.order_id, x.state
		FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (order_id bigint, state order_state)) WITH ORDINALITY AS x(order_id, state, n)
		ORDER BY x.n
	), keys AS (
		INSERT INTO applied_messages (order_id, idempotent_key, state, source_topic, source_partition, source_offset)
		SELECT order_id, idempotent_key, state, topic, partition, "offset"::bigint
		FROM jsonb_to_recordset($2::jsonb) AS x(order_id bigint, idempotent_key uuid, state order_state, topic text, partition integer, "offset" text)
	)
	UPDATE orders o SET state = x.state, updated_at = now()
	FROM jsonb_to_recordset($3::jsonb) AS x(order_id bigint, state order_state) WHERE o.order_id = x.order_id`;

type StateRow = { order_id: number; state: OrderState };
/** An applied key, and where its message was read when known. */
export type KeyRow = StateRow & { idempotent_key: string; topic?: string; partition?: number; offset?: string };

/** RECORD_STATES_SQL's three row lists (to be sent as JSON). */
export const recordStatesRows = (states: StateRow[], applied: KeyRow[], latest: ReadonlyMap<number, OrderState>): [StateRow[], KeyRow[], StateRow[]] => [
	states,
	applied,
	[...latest].map(([order_id, state]) => ({ order_id, state })),
];
