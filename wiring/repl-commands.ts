/**
 * The project's own REPL commands (`npm run repl`), each kept with the capability
 * it drives: an order's timeline and the stuck orders (lib/orders), the dead
 * letters (lib/dead-letters: list, redrive, audit) and the outbox backlog (lib/outbox).
 * They talk to the cluster through the broker.
 */
import type { Config } from "../lib/platform/config/config";
import type { ReplCommand } from "../lib/platform/repl/repl-command";
import { deadLetterCommands } from "../lib/dead-letters/dead-letter-repl";
import { orderReplCommand } from "../lib/orders/order-repl-command";
import { stuckReplCommand } from "../lib/orders/stuck-repl-command";
import { outboxReplCommand } from "../lib/outbox/outbox-repl-command";

/** `reserve` and `payment` name the configured topics; anything else is taken as a topic name. */
const topicOf = (cfg: Config, name: string): string => (name === "reserve" || name === "payment" ? cfg.topics[name] : name);

export function replCommands(cfg: Config): ReplCommand[] {
	return [orderReplCommand, ...deadLetterCommands((name) => topicOf(cfg, name)), outboxReplCommand, stuckReplCommand];
}
