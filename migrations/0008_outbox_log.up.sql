-- The outbox read as a log (docs/outbox-as-a-log.md): the relay no longer
-- locks and marks each row. Keys are spread over 64 slots; a position per topic
-- and slot holds the last id sent; a relay holds its slots (session advisory
-- locks) while it works, and reads ids up to a fence every writer below has
-- finished with (outbox_fence). Per batch: one read (outbox_read), one position
-- update and batch record (outbox_advance); no per-row write.
-- The Kafka value of a saga payload (string idempotent_key and status, integer
-- order_id), in the contract's field order and without spaces, as
-- JSON.stringify writes it; NULL for any other payload (the relay encodes that
-- one itself). Encoded once, by the writer's transaction, not at every read.
CREATE FUNCTION outbox_message_value(payload jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN jsonb_typeof(payload->'idempotent_key') = 'string' AND jsonb_typeof(payload->'status') = 'string'
			AND jsonb_typeof(payload->'order_id') = 'number' AND (payload->>'order_id') ~ '^-?[0-9]{1,15}$'
		THEN '{"idempotent_key":' || (payload->'idempotent_key')::text || ',"order_id":' || (payload->>'order_id')
			|| ',"status":' || (payload->'status')::text || '}' END
$$;

ALTER TABLE outbox
	ADD COLUMN slot smallint GENERATED ALWAYS AS ((hashtext(message_key) & 63)::smallint) STORED,
	ADD COLUMN message_value text GENERATED ALWAYS AS (outbox_message_value(payload)) STORED;
CREATE INDEX outbox_log ON outbox (topic, id);
-- The retention sweep's range.
CREATE INDEX outbox_created_at ON outbox (created_at);

CREATE TABLE outbox_positions (
	topic    text NOT NULL,
	slot     smallint NOT NULL CHECK (slot BETWEEN 0 AND 63),
	position bigint NOT NULL,
	PRIMARY KEY (topic, slot)
);

-- One row per committed batch: its slots sent every row of theirs with an id
-- in (after_id, last_id]; an event's send time is that of the first such batch.
CREATE TABLE outbox_batches (
	topic    text NOT NULL,
	slots    smallint[] NOT NULL,
	after_id bigint NOT NULL,
	last_id  bigint NOT NULL,
	sent_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_batches_last_id ON outbox_batches (topic, last_id);
CREATE INDEX outbox_batches_sent_at ON outbox_batches (sent_at);

-- Rows already sent stay sent: each slot starts after its last row sent below
-- its first unsent row (one batch record, dated now, stands for them).
INSERT INTO outbox_positions (topic, slot, position)
SELECT t.topic, s.slot, coalesce(
		(SELECT min(o.id) - 1 FROM outbox o WHERE o.topic = t.topic AND o.slot = s.slot AND o.sent_at IS NULL),
		(SELECT max(o.id) FROM outbox o WHERE o.topic = t.topic AND o.slot = s.slot),
		0)
FROM (SELECT DISTINCT topic FROM outbox) t CROSS JOIN generate_series(0, 63) AS s(slot);
INSERT INTO outbox_batches (topic, slots, after_id, last_id)
SELECT topic, array_agg(slot ORDER BY slot), 0, max(position) FROM outbox_positions GROUP BY topic;

DROP INDEX outbox_unsent;
DROP INDEX outbox_unsent_key;
DROP INDEX outbox_sent_at;
ALTER TABLE outbox DROP COLUMN sent_at;

-- The highest outbox id every writer has finished with: the id sequence's last
-- value L, once every transaction that held the outbox for writing when L was
-- read has ended (a writer locks the table before it takes an id, so any id up
-- to L belongs to one of them or to one already ended). Waits at most wait_ms,
-- then answers NULL. Ordering by commit or by xid would be wrong: a writer may
-- take its id long before it commits.
CREATE FUNCTION outbox_fence(wait_ms integer) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	fence   bigint;
	writers text[];
	give_up timestamptz := clock_timestamp() + make_interval(secs => wait_ms / 1000.0);
BEGIN
	SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO fence FROM outbox_id_seq;
	SELECT array_agg(l.virtualtransaction) INTO writers FROM pg_locks l
	WHERE l.locktype = 'relation' AND l.relation = 'outbox'::regclass AND l.mode = 'RowExclusiveLock'
		AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND l.pid <> pg_backend_pid();
	WHILE writers IS NOT NULL AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'virtualxid' AND l.virtualxid = ANY (writers)) LOOP
		IF clock_timestamp() > give_up THEN
			RETURN NULL;
		END IF;
		PERFORM pg_sleep(0.0005);
	END LOOP;
	RETURN fence;
END
$$;

-- A relay's read: the rows of `of_topic` after each slot's position (`after`,
-- indexed by slot + 1; a slot the relay does not hold is given the largest
-- bigint) up to the fence, in id order, at most max_rows, as ONE row (a row per
-- event cost the relay more to parse than the event's own send): their keys as
-- a JSON array; their values joined by newlines (JSON text, as jsonb writes it,
-- never holds a raw newline), a saga payload's as its Kafka value (encoded at
-- write, outbox_message_value), any other as jsonb's text, its place listed in
-- payload_rows for the relay to encode; and last_id, how far the read covers
-- the held slots: its last row's id when full, else the fence. No row at all:
-- the fence was not reached within wait_ms. First, when sent_through is given,
-- commits the batch the relay sent last (outbox_advance): in the same round trip.
CREATE FUNCTION outbox_read(of_topic text, after bigint[], max_rows integer, wait_ms integer,
                            sent_slots smallint[] DEFAULT NULL, sent_through bigint DEFAULT NULL)
RETURNS TABLE (keys text, message_values text, payload_rows integer[], last_id bigint) LANGUAGE plpgsql VOLATILE
-- A backlog grows faster than its statistics: with them stale the planner reads
-- every row after the positions, then sorts (a read of 1,000 rows in a backlog of
-- 50,000 took 33 ms instead of 0.5). Without bitmap and sequential scans the read
-- is an ordered index scan that stops at max_rows, whatever the backlog.
SET enable_bitmapscan = off SET enable_seqscan = off SET jit = off AS $$
DECLARE
	fence bigint;
BEGIN
	IF sent_through IS NOT NULL THEN
		PERFORM outbox_advance(of_topic, sent_slots, sent_through);
	END IF;
	fence := outbox_fence(wait_ms);
	IF fence IS NULL THEN
		RETURN;
	END IF;
	-- A statement after the fence: its snapshot sees every row up to it.
	RETURN QUERY
	WITH batch AS MATERIALIZED (
		SELECT o.id, o.message_key, o.message_value, o.payload FROM outbox o
		WHERE o.topic = of_topic AND o.id > (SELECT min(a) FROM unnest(after) AS a) AND o.id <= fence AND o.id > after[o.slot + 1]
		ORDER BY o.id LIMIT max_rows
	), numbered AS (
		SELECT b.*, (row_number() OVER (ORDER BY b.id) - 1)::integer AS n FROM batch b
	)
	SELECT json_agg(r.message_key ORDER BY r.id)::text,
		string_agg(coalesce(r.message_value, r.payload::text), E'\n' ORDER BY r.id),
		array_agg(r.n ORDER BY r.n) FILTER (WHERE r.message_value IS NULL),
		CASE WHEN count(*) >= max_rows THEN max(r.id) ELSE fence END
	FROM numbered r;
END
$$;

-- A relay's commit of a batch it sent: the held slots' positions move to
-- `through` (a slot already there stays, and is left out of the record).
CREATE FUNCTION outbox_advance(of_topic text, held smallint[], through bigint) RETURNS void LANGUAGE sql VOLATILE AS $$
	WITH moved AS (
		UPDATE outbox_positions p SET position = through
		FROM (SELECT slot, position FROM outbox_positions WHERE topic = of_topic AND slot = ANY (held)) AS before
		WHERE p.topic = of_topic AND p.slot = before.slot AND before.position < through
		RETURNING p.slot, before.position
	)
	INSERT INTO outbox_batches (topic, slots, after_id, last_id)
	SELECT of_topic, array_agg(slot ORDER BY slot), min(position), through FROM moved HAVING count(*) > 0
$$;

-- When an event was sent (NULL while unsent), for the console and the tools.
CREATE FUNCTION outbox_sent_at(event outbox) RETURNS timestamptz LANGUAGE sql STABLE AS $$
	SELECT b.sent_at FROM outbox_batches b
	WHERE b.topic = event.topic AND b.last_id >= event.id AND b.after_id < event.id AND event.slot = ANY (b.slots)
	ORDER BY b.last_id LIMIT 1
$$;

-- How many events of a topic wait (for the tools and tests; the console reads
-- every relayed topic's backlog at once).
CREATE FUNCTION outbox_unsent(of_topic text) RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT count(*) FROM outbox o LEFT JOIN outbox_positions p ON p.topic = o.topic AND p.slot = o.slot
	WHERE o.topic = of_topic AND o.id > coalesce(p.position, 0)
		AND o.id > (SELECT coalesce(min(position), 0) FROM outbox_positions WHERE topic = of_topic)
$$;
