ALTER TABLE parked_messages
	DROP COLUMN IF EXISTS claimed_until,
	DROP COLUMN IF EXISTS claimed_by;
