-- Orders, their products and saga states, the transactional outbox and the
-- record of applied Kafka messages. Written by hand: the schema never comes from sync().

CREATE TYPE order_state AS ENUM (
	'ORDER_CREATED',
	'RESERVE_CREATED',
	'RESERVE_FAILED',
	'PAYMENT_CREATED',
	'PAYMENT_FAILED',
	'PAYMENT_COMPLETED'
);

CREATE TABLE orders (
	order_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id         bigint NOT NULL CHECK (user_id > 0),
	description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 1000),
	-- The latest recorded state; kept in the same transaction as order_states and
	-- locked with SELECT ... FOR UPDATE to serialise transitions of one order.
	state           order_state NOT NULL DEFAULT 'ORDER_CREATED',
	-- Idempotency-Key of the POST that created the order, and a hash of its body.
	idempotency_key text UNIQUE,
	request_hash    text,
	created_at      timestamptz NOT NULL DEFAULT now(),
	updated_at      timestamptz NOT NULL DEFAULT now(),
	CHECK ((idempotency_key IS NULL) = (request_hash IS NULL))
);
-- Newest-first listing per user, paged by order_id.
CREATE INDEX orders_user_id_order_id ON orders (user_id, order_id DESC);

CREATE TABLE order_products (
	order_id   bigint NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
	product_id bigint NOT NULL CHECK (product_id > 0),
	count      integer NOT NULL CHECK (count > 0),
	-- Keeps the products in the order the client sent them.
	position   smallint NOT NULL,
	PRIMARY KEY (order_id, product_id)
);

-- Append-only history; a state is recorded at most once per order.
CREATE TABLE order_states (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	order_id    bigint NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
	state       order_state NOT NULL,
	recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	UNIQUE (order_id, state)
);

-- Events to publish, written in the same transaction as the change they announce.
CREATE TABLE outbox (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	topic       text NOT NULL,
	message_key text NOT NULL,
	payload     jsonb NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT now(),
	sent_at     timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
-- Per-key ordering: a relay skips a key whose earlier event is still unsent.
CREATE INDEX outbox_unsent_key ON outbox (message_key, id) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Wakes the relays at commit (NOTIFY is delivered only when the transaction commits).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('outbox', '');
	RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
	FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Kafka messages whose effect is recorded: written in the same transaction as the state.
CREATE TABLE applied_messages (
	order_id       bigint NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
	idempotent_key uuid NOT NULL,
	state          order_state NOT NULL,
	applied_at     timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (order_id, idempotent_key)
);
CREATE INDEX applied_messages_applied_at ON applied_messages (applied_at);

-- Messages that came before the state they must follow; applied when it is
-- recorded, dead-lettered as out_of_order when it has not come in time.
CREATE TABLE parked_messages (
	order_id         bigint NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
	idempotent_key   uuid NOT NULL,
	state            order_state NOT NULL,
	source_topic     text NOT NULL,
	source_partition integer NOT NULL,
	source_offset    bigint NOT NULL,
	message_key      bytea,
	message_value    bytea NOT NULL,
	message_headers  jsonb NOT NULL DEFAULT '{}',
	parked_at        timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (order_id, idempotent_key)
);
CREATE INDEX parked_messages_topic_parked_at ON parked_messages (source_topic, parked_at);
