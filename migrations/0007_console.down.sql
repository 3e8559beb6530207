DROP INDEX IF EXISTS outbox_message_key;
DROP INDEX IF EXISTS order_states_recorded_at_state;
