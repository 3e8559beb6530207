/**
 * The command line of every `npm run <command>`: `--help` (or `-h`) prints the
 * usage and each option, and exits 0; an unknown option, a missing value or a
 * bad word prints one line and the usage, and exits 2.
 */
import { parseArgs } from "node:util";

export interface OptionHelp {
	type: "string" | "boolean";
	/** What the option does, for --help. */
	help: string;
	/** The placeholder shown after a string option, e.g. "N" or "URL". */
	value?: string;
}

export interface CommandHelp<O extends Record<string, OptionHelp>> {
	/** The command as a user types it, e.g. "npm run chaos --". */
	command: string;
	/** One line on what it does. */
	summary: string;
	options: O;
	/** Words after the command, e.g. { words: "up|down", allowed: ["up", "down"] }. */
	positionals?: { words: string; allowed: readonly string[] };
}

type Values<O extends Record<string, OptionHelp>> = { [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string };

export interface CommandLine<O extends Record<string, OptionHelp>> {
	values: Values<O>;
	positionals: string[];
}

const HELP_OPTION: OptionHelp = { type: "boolean", help: "print this help" };

function usageLine<O extends Record<string, OptionHelp>>(spec: CommandHelp<O>): string {
	const words = spec.positionals ? ` [${spec.positionals.words}]` : "";
	const options = Object.keys(spec.options).length > 0 ? " [options]" : "";
	return `usage: ${spec.command}${words}${options}`;
}

/** The full help text: usage, summary and one line per option. */
export function helpText<O extends Record<string, OptionHelp>>(spec: CommandHelp<O>): string {
	const rows = Object.entries({ ...spec.options, help: HELP_OPTION }).map(([name, option]) => {
		const flag = `--${name}${option.type === "string" ? ` ${option.value ?? "VALUE"}` : ""}${name === "help" ? ", -h" : ""}`;
		return [flag, option.help];
	});
	const width = Math.max(...rows.map(([flag]) => flag.length));
	return [usageLine(spec), "", spec.summary, "", "options:", ...rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`)].join("\n");
}

/** "npm run import-go --" -> "import-go": the name a command's own messages start with. */
const nameOf = (command: string): string => command.replace(/^npm (run )?/, "").replace(/ --$/, "");

/** Ends the process as a usage error: one line saying what is wrong, then the usage. */
export function usageError<O extends Record<string, OptionHelp>>(spec: CommandHelp<O>, message: string): never {
	process.stderr.write(`${nameOf(spec.command)}: ${message}\n${usageLine(spec)} (--help for the options)\n`);
	process.exit(2);
}

/** Reads the command line (`args` defaults to the process's) as `spec` describes it. */
export function readCommandLine<O extends Record<string, OptionHelp>>(spec: CommandHelp<O>, args = process.argv.slice(2)): CommandLine<O> {
	const options = Object.fromEntries(Object.entries(spec.options).map(([name, { type }]) => [name, { type }]));
	let parsed: ReturnType<typeof parseArgs>;
	try {
		parsed = parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: spec.positionals !== undefined });
	} catch (err) {
		// node's messages add a hint about "--" that does not apply to npm scripts: the first line says it all.
		usageError(spec, (err as Error).message.split(/\.\s/)[0]);
	}
	if (parsed.values.help) {
		process.stdout.write(`${helpText(spec)}\n`);
		process.exit(0);
	}
	const allowed = spec.positionals?.allowed ?? [];
	const unknown = parsed.positionals.find((word) => !allowed.includes(word));
	if (unknown !== undefined) usageError(spec, `unknown word "${unknown}"`);
	if (parsed.positionals.length > 1) usageError(spec, `one of ${spec.positionals?.words} at most`);
	delete parsed.values.help;
	return { values: parsed.values as Values<O>, positionals: parsed.positionals };
}
