/**
 * `npm run chaos -- --minutes N [--rate R] [--seed S] [--layout full|compact]`:
 * a fault run with a verdict (docs/chaos.md). Prints one table of figures and
 * exits 1 when an invariant is broken; Ctrl-C stops it and cleans up.
 */
import { randomInt } from "node:crypto";
import { runChaos } from "../dev/chaos/run";
import { LAYOUTS, type LayoutName } from "../dev/chaos/layout";
import { loadConfig } from "../lib/platform/config/config";
import { readCommandLine, usageError } from "./command-line";

const COMMAND = {
	command: "npm run chaos --",
	summary: "A fault run with a verdict: the whole system under load while nodes, databases and brokers fail (docs/chaos.md).",
	options: {
		minutes: { type: "string", value: "N", help: "how long the run lasts (default 10, at most 120)" },
		rate: { type: "string", value: "R", help: "orders created per second (default 20, at most 200)" },
		seed: { type: "string", value: "S", help: "the seed of the fault schedule, to replay a run (default: random)" },
		layout: { type: "string", value: "full|compact", help: "one node per service, or a few nodes of several services (default full)" },
	},
} as const;

function options() {
	const { values } = readCommandLine(COMMAND);
	const { minutes = "10", rate = "20", layout = "full" } = values;
	const number = (name: string, raw: string, max: number) => {
		const value = Number(raw);
		if (!Number.isFinite(value) || value <= 0 || value > max) usageError(COMMAND, `--${name}=${raw} is invalid: expected a number above 0 and at most ${max}`);
		return value;
	};
	if (!(layout in LAYOUTS)) usageError(COMMAND, `--layout=${layout} is invalid: expected ${Object.keys(LAYOUTS).join(" or ")}`);
	return {
		minutes: number("minutes", minutes, 120),
		rate: number("rate", rate, 200),
		seed: values.seed === undefined ? randomInt(2 ** 31) : Math.trunc(number("seed", values.seed, 2 ** 31)),
		layout: layout as LayoutName,
	};
}

async function main(): Promise<void> {
	const chosen = options();
	process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= "1";
	const cfg = loadConfig();
	// The run creates and drops its own database: it talks to the server through the maintenance database.
	const server = new URL(cfg.databaseUrl);
	server.pathname = "/postgres";
	const stop = new AbortController();
	// Every Ctrl-C is caught: a second one must not end the run before it has cleaned up.
	process.on("SIGINT", () => {
		if (stop.signal.aborted) return;
		console.log("chaos: interrupted, cleaning up");
		stop.abort();
	});
	const verdict = await runChaos({ ...chosen, databaseUrl: server.toString(), redisUrl: cfg.redisUrl, signal: stop.signal });
	console.log(verdict.table);
	console.log(`replay with --seed ${verdict.seed}`);
	process.exitCode = verdict.ok ? 0 : 1;
}

main().catch((err: Error) => {
	console.error(`chaos: ${err.message}`);
	process.exit(2);
});
