DROP TABLE IF EXISTS stuck_monitor;
DROP INDEX IF EXISTS orders_waiting_state_updated_at;
