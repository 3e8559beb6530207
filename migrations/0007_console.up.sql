-- The operator console's reads: orders per minute and state from the recent
-- history (a range of recorded_at, read from the index alone), and one order's
-- outbox events by their key (the order id) once they are sent.
CREATE INDEX order_states_recorded_at_state ON order_states (recorded_at, state);
CREATE INDEX outbox_message_key ON outbox (message_key);
-- Where each applied message came from, for the console's timeline (NULL for
-- the rows applied before this migration).
ALTER TABLE applied_messages
	ADD COLUMN source_topic     text,
	ADD COLUMN source_partition integer,
	ADD COLUMN source_offset    bigint;
