-- Fails while an order of a negative user exists: delete or move those orders first.
ALTER TABLE orders DROP CONSTRAINT orders_user_id_check;
ALTER TABLE orders ADD CONSTRAINT orders_user_id_check CHECK (user_id > 0);
COMMENT ON COLUMN orders.state IS NULL;
