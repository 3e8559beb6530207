/**
 * `npm run repl`: a node with no services of its own, joined to the running
 * cluster (same NAMESPACE and REDIS_URL), with the Moleculer REPL and the
 * project's commands (wiring/repl-commands.ts) open.
 */
import { createNode } from "../wiring/create-node";
import { config } from "../lib/platform/config/config";
import { replCommands } from "../wiring/repl-commands";
import { readCommandLine } from "./command-line";

const COMMAND = {
	command: "npm run repl",
	summary: "Joins the running cluster (same NAMESPACE and REDIS_URL) as a node with no services and opens the Moleculer REPL with the project's commands.",
	options: {},
} as const;

async function main(): Promise<void> {
	const cfg = config();
	const broker = createNode(cfg, [], {
		nodeID: cfg.nodeId ?? `repl-${process.pid}`,
		metrics: { enabled: false },
		replOptions: { customCommands: replCommands(cfg) },
	});
	await broker.start();
	broker.repl();
}

readCommandLine(COMMAND);
main().catch((err: Error) => {
	process.stderr.write(`repl: cannot start: ${err.message.split("\n")[0]}\n`);
	process.exit(1);
});
