-- A user id is any non-zero integer: the Telegram bot uses the chat id, which is
-- negative in group chats, and the Go service took it. 0 stays refused (proto3's "unset").
ALTER TABLE orders DROP CONSTRAINT orders_user_id_check;
ALTER TABLE orders ADD CONSTRAINT orders_user_id_check CHECK (user_id <> 0);
-- orders.state is the order's current state: the furthest of its recorded
-- states along the state table (an imported Go history may hold them out of order).
COMMENT ON COLUMN orders.state IS 'current state: the furthest recorded state along the state table';
