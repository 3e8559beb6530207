DROP TABLE IF EXISTS parked_messages;
DROP TABLE IF EXISTS applied_messages;
DROP TRIGGER IF EXISTS outbox_notify ON outbox;
DROP FUNCTION IF EXISTS outbox_notify();
DROP TABLE IF EXISTS outbox;
DROP TABLE IF EXISTS order_states;
DROP TABLE IF EXISTS order_products;
DROP TABLE IF EXISTS orders;
DROP TYPE IF EXISTS order_state;
