-- A parked message the sweep is dead-lettering is claimed in a short transaction
-- first; the sweep then talks to Kafka holding no row lock, and deletes the row
-- by its claim. The state store does not apply a claimed message. A claim whose
-- sweep died ends at claimed_until.
ALTER TABLE parked_messages
	ADD COLUMN claimed_by    uuid,
	ADD COLUMN claimed_until timestamptz;
