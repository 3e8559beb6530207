/**
 * What other capabilities may use of the outbox: its backlog, which the console
 * reads through its own connection. The relay is the outbox-relay service's own.
 */
export { BACKLOG_SQL, backlogOf, type BacklogRow, type OutboxBacklog } from "./outbox-store";
