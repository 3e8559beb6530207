/**
 * The project's own REPL commands (`npm run repl`): an order's timeline, the
 * dead letters (lib/dead-letters/dead-letter-repl.ts: list, redrive, audit) and
 * the outbox backlog. They talk to the cluster through the broker.
 */
import type { Config } from "../config/config";
import { operand, print, type ReplCommand } from "./repl-command";
import { deadLetterCommands } from "../../dead-letters/dead-letter-repl";
import { stuckReplCommand } from "../../orders/stuck-repl-command";

interface Order {
	order_id: number;
	user_id: number;
	description: string;
	state: string;
	created_at: string;
	order_products: Array<{ product_id: number; count: number }>;
}

/** `reserve` and `payment` name the configured topics; anything else is taken as a topic name. */
const topicOf = (cfg: Config, name: string): string => (name === "reserve" || name === "payment" ? cfg.topics[name] : name);

export function replCommands(cfg: Config): ReplCommand[] {
	return [
		{
			command: "order <order_id>",
			description: "Show an order and its saga state timeline",
			async action(broker, args) {
				const order_id = Number(operand(args, "order_id"));
				const order = await broker.call<Order, { order_id: number }>("orders.get", { order_id });
				const { order_states } = await broker.call<{ order_states: Array<{ state: string; time: string }> }, { order_id: number }>("orders.states", {
					order_id,
				});
				print(`order ${order.order_id}  user ${order.user_id}  state ${order.state}  created ${order.created_at}`);
				print(`  products: ${order.order_products.map((p) => `${p.product_id} x${p.count}`).join(", ")}`);
				if (order.description) print(`  description: ${order.description}`);
				const start = Date.parse(order_states[0]?.time ?? order.created_at);
				for (const { state, time } of order_states) print(`  ${time}  +${Date.parse(time) - start} ms  ${state}`);
			},
		},
		...deadLetterCommands((name) => topicOf(cfg, name)),
		{
			command: "outbox",
			description: "Show the outbox backlog and the age of its oldest unsent event",
			async action(broker) {
				const backlog = await broker.call<{ unsent: number; oldest_unsent_age_ms: number | null }>("outbox-relay.backlog");
				const age = backlog.oldest_unsent_age_ms === null ? "-" : `${(backlog.oldest_unsent_age_ms / 1000).toFixed(1)} s`;
				print(`outbox: ${backlog.unsent} unsent event(s), oldest unsent ${age}`);
			},
		},
		stuckReplCommand,
	];
}
