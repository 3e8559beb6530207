/**
 * `npm run repl`: a node with no services of its own, joined to the running
 * cluster (same NAMESPACE and REDIS_URL), with the Moleculer REPL open.
 */
import { createNode } from "../lib/broker";
import { config } from "../lib/config";

async function main(): Promise<void> {
	const cfg = config();
	const broker = createNode(cfg, [], { nodeID: cfg.nodeId ?? `repl-${process.pid}`, metrics: { enabled: false } });
	await broker.start();
	broker.repl();
}

main().catch((err: Error) => {
	process.stderr.write(`repl: cannot start: ${err.message.split("\n")[0]}\n`);
	process.exit(1);
});
