/**
 * The project's own REPL commands (`npm run repl`): an order's timeline, the
 * dead letters of a topic, re-driving one, and the outbox backlog. They talk to
 * the cluster through the broker, and to Kafka for the dead letters.
 */
import type { ServiceBroker } from "moleculer";
import type { Kafka } from "kafkajs";
import type { Config } from "./config";
import { readDeadLetters, redrive } from "../listeners/dead-letter-inbox";
import { stuckReplCommand } from "../orders/stuck-repl-command";

/** moleculer-repl hands a command its operands by name, though Moleculer's typings call them string[]. */
const operand = (args: string[], name: string): unknown => Reflect.get(args, name);

export interface ReplCommand {
	command: string;
	description: string;
	alias?: string[];
	options?: Array<{ option: string; description: string }>;
	action(broker: ServiceBroker, args: string[]): Promise<void>;
}

interface Order {
	order_id: number;
	user_id: number;
	description: string;
	state: string;
	created_at: string;
	order_products: Array<{ product_id: number; count: number }>;
}

const print = (line = "") => console.log(line);

/** `reserve` and `payment` name the configured topics; anything else is taken as a topic name. */
const topicOf = (cfg: Config, name: string): string => (name === "reserve" || name === "payment" ? cfg.topics[name] : name);

const excerpt = (value: Buffer | null, width = 80): string => {
	const text = value === null ? "(null)" : value.toString();
	return text.length > width ? `${text.slice(0, width - 1)}…` : text;
};

export function replCommands(cfg: Config, kafka: () => Kafka): ReplCommand[] {
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
		{
			command: "dead-letters <topic>",
			alias: ["dlq"],
			description: "List the dead letters of a consumed topic (reserve, payment or a topic name)",
			async action(_broker, args) {
				const topic = topicOf(cfg, String(operand(args, "topic")));
				const letters = await readDeadLetters(kafka(), topic);
				print(`${letters.length} dead letter(s) in ${topic}.dlq`);
				for (const l of letters) {
					print(`  [${l.partition}/${l.offset}] ${l.reason}: ${l.error}  (from ${l.source.topic} ${l.source.partition}/${l.source.offset})`);
					print(`      key ${excerpt(l.key, 30)}  value ${excerpt(l.value)}`);
				}
			},
		},
		{
			command: "redrive <topic> <partition> <offset>",
			description: "Send the dead letter at <partition>/<offset> of <topic>.dlq back to <topic> (after a fix)",
			async action(_broker, args) {
				const topic = topicOf(cfg, String(operand(args, "topic")));
				const letter = await redrive(kafka(), topic, Number(operand(args, "partition")), String(operand(args, "offset")));
				print(`re-driven to ${letter.source.topic || topic}: ${excerpt(letter.value)} (was ${letter.reason})`);
			},
		},
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
