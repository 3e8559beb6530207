/**
 * `npm run chaos -- --minutes N [--rate R] [--seed S] [--layout full|compact]`:
 * a fault run with a verdict (docs/chaos.md). Prints one table of figures and
 * exits 1 when an invariant is broken; Ctrl-C stops it and cleans up.
 */
import { randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import { runChaos } from "../dev/chaos/run";
import { LAYOUTS, type LayoutName } from "../dev/chaos/layout";
import { loadConfig } from "../lib/platform/config";

function options() {
	const { values } = parseArgs({
		options: {
			minutes: { type: "string", default: "10" },
			rate: { type: "string", default: "20" },
			seed: { type: "string" },
			layout: { type: "string", default: "full" },
		},
	});
	const number = (name: string, raw: string, max: number) => {
		const value = Number(raw);
		if (!Number.isFinite(value) || value <= 0 || value > max) throw new Error(`--${name}=${raw} is invalid: expected a number above 0 and at most ${max}`);
		return value;
	};
	if (!(values.layout in LAYOUTS)) throw new Error(`--layout=${values.layout} is invalid: expected ${Object.keys(LAYOUTS).join(" or ")}`);
	return {
		minutes: number("minutes", values.minutes, 120),
		rate: number("rate", values.rate, 200),
		seed: values.seed === undefined ? randomInt(2 ** 31) : Math.trunc(number("seed", values.seed, 2 ** 31)),
		layout: values.layout as LayoutName,
	};
}

async function main(): Promise<void> {
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
	const verdict = await runChaos({ ...options(), databaseUrl: server.toString(), redisUrl: cfg.redisUrl, signal: stop.signal });
	console.log(verdict.table);
	console.log(`replay with --seed ${verdict.seed}`);
	process.exitCode = verdict.ok ? 0 : 1;
}

main().catch((err: Error) => {
	console.error(`chaos: ${err.message}`);
	process.exit(2);
});
