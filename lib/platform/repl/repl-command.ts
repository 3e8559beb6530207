/** What a REPL command of the project is, and how one reads what moleculer-repl hands it. */
import type { ServiceBroker } from "moleculer";

export interface ReplCommand {
	command: string;
	description: string;
	alias?: string[];
	options?: Array<{ option: string; description: string }>;
	action(broker: ServiceBroker, args: string[]): Promise<void>;
}

/** moleculer-repl hands a command its operands by name, though Moleculer's typings call them string[]. */
export const operand = (args: string[], name: string): unknown => Reflect.get(args, name);

/** An option (`--name value`) of a command, undefined when not given. */
export const option = (args: string[], name: string): unknown => (Reflect.get(args, "options") as Record<string, unknown> | undefined)?.[name];

export const print = (line = "") => console.log(line);
