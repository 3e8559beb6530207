ALTER TABLE applied_messages
	DROP COLUMN IF EXISTS source_offset,
	DROP COLUMN IF EXISTS source_partition,
	DROP COLUMN IF EXISTS source_topic;
DROP INDEX IF EXISTS outbox_message_key;
DROP INDEX IF EXISTS order_states_recorded_at_state;
