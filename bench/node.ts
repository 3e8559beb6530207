/**
 * One service node for the benchmark, in its own process: the services of
 * SERVICES, as `npm start` creates them (wiring/create-node.ts), without the
 * infrastructure preparation the benchmark has already done. BENCH_CACHE=off
 * leaves out the Redis cacher (the uncached GET figure). Prints "bench node ready"
 * once started, then its event loop's utilization every second; SIGTERM stops it.
 * While it starts it says every 10 s which services it still waits for (stderr).
 */
import type { Middleware, Service } from "moleculer";
import { config } from "../lib/platform/config/config";
import { createNode } from "../wiring/create-node";
import { reportEventLoop } from "./load-gauges";

/** How often a node still starting says which services it waits for (the runner shows it if the start fails). */
const PROGRESS_MS = 10_000;

async function main(): Promise<void> {
	const cfg = config();
	const starting = new Set<string>(cfg.services);
	const progress: Middleware = { name: "BenchStartProgress", serviceStarted: async (service: Service) => void starting.delete(service.name) };
	const broker = createNode(cfg, undefined, { ...(process.env.BENCH_CACHE === "off" ? { cacher: undefined } : {}), middlewares: [progress] });
	process.once("SIGTERM", () => {
		void broker.stop().finally(() => process.exit(0));
	});
	const since = Date.now();
	const timer = setInterval(() => {
		const waiting = starting.size > 0 ? `the started() of ${[...starting].join(", ")}` : "the broker";
		console.error(`bench node: still starting after ${Math.round((Date.now() - since) / 1000)} s, waiting for ${waiting}`);
	}, PROGRESS_MS);
	await broker.start().finally(() => clearInterval(timer));
	console.log("bench node ready");
	reportEventLoop();
}

main().catch((err: Error) => {
	console.error(`bench node: ${err.message}`);
	process.exit(1);
});
