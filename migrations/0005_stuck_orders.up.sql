-- Stuck-order detection. The partial index holds only orders that still wait
-- for an answer (the non-terminal states), in the order they entered their
-- state: the stuck lookup is a range scan per state, however many finished
-- orders the table holds. Its predicate is repeated word for word by the
-- queries of lib/orders/stuck-orders-store.ts, so the planner can use it.
CREATE INDEX orders_waiting_state_updated_at ON orders (state, updated_at, order_id)
	WHERE state IN ('ORDER_CREATED', 'RESERVE_CREATED', 'PAYMENT_CREATED');

-- The stuck monitor of each cluster (Moleculer namespace): which node holds the
-- lease (only that one runs the ticks), until when, and the last order_states
-- id whose time in its previous state it has observed.
CREATE TABLE stuck_monitor (
	namespace     text PRIMARY KEY,
	leader        text NOT NULL,
	lease_until   timestamptz NOT NULL,
	last_state_id bigint NOT NULL
);
