-- How far each consumer group of the service has consumed each partition of its
-- topic, in time: every message of the partition stamped up to consumed_through
-- has its effect durable, or the partition was at its end at that moment. The
-- parked-message sweep dead-letters a message as out_of_order only once the
-- groups of the topics its predecessor can come from are past the time it was
-- parked plus the window on every partition (lag is not loss). A row with
-- '-infinity' names a partition that exists but has told nothing yet.
CREATE TABLE consumer_watermarks (
	topic            text        NOT NULL,
	consumer_group   text        NOT NULL,
	partition        integer     NOT NULL,
	consumed_through timestamptz NOT NULL,
	updated_at       timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (topic, consumer_group, partition)
);
