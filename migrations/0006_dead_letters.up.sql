-- Every dead letter, recorded before its source offset is committed, so an
-- operator can list it and redrive it; and the audit of every redrive.

CREATE TABLE dead_letters (
	-- Where the message was consumed: one row per message, however often it is dead-lettered.
	source_topic     text NOT NULL,
	source_partition integer NOT NULL,
	source_offset    bigint NOT NULL,
	-- Pages the listing (newest first).
	id               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
	reason           text NOT NULL,
	error            text NOT NULL,
	-- NULL for a malformed message (no order to name). No foreign key: an unknown_order letter names no order.
	order_id         bigint,
	idempotent_key   uuid,
	message_key      bytea,
	message_value    bytea,
	message_headers  jsonb NOT NULL DEFAULT '{}',
	dead_lettered_at timestamptz NOT NULL DEFAULT now(),
	-- The last redrive: NULL while never redriven.
	redrive_outcome  text CHECK (redrive_outcome IN ('applied', 'duplicate', 'parked', 'rejected')),
	redrive_reason   text,
	redriven_at      timestamptz,
	PRIMARY KEY (source_topic, source_partition, source_offset),
	CHECK ((redrive_outcome IS NULL) = (redriven_at IS NULL))
);
CREATE INDEX dead_letters_order_id ON dead_letters (order_id, id) WHERE order_id IS NOT NULL;
CREATE INDEX dead_letters_topic_reason ON dead_letters (source_topic, reason, id);

-- Who redrove which letters when, and what became of each. Append-only.
CREATE TABLE dead_letter_redrives (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	who         text NOT NULL,
	at          timestamptz NOT NULL DEFAULT now(),
	-- What was asked: {"topic","partition","offset"}, {"order_id"} or {"topic","reason"}.
	selector    jsonb NOT NULL,
	-- One per letter redriven: [{"topic","partition","offset","order_id","dead_letter_reason","outcome","reason"}]
	-- (reason: why it was rejected again).
	letters     jsonb NOT NULL
);
