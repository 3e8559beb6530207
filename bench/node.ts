/**
 * One service node for the benchmark, in its own process: the services of
 * SERVICES, as `npm start` creates them (wiring/create-node.ts), without the
 * infrastructure preparation the benchmark has already done. BENCH_CACHE=off
 * leaves out the Redis cacher (the uncached GET figure). Prints "bench node ready"
 * once started, then its event loop's utilization every second; SIGTERM stops it.
 */
import { config } from "../lib/platform/config/config";
import { createNode } from "../wiring/create-node";
import { reportEventLoop } from "./load-gauges";

async function main(): Promise<void> {
	const broker = createNode(config(), undefined, process.env.BENCH_CACHE === "off" ? { cacher: undefined } : {});
	process.once("SIGTERM", () => {
		void broker.stop().finally(() => process.exit(0));
	});
	await broker.start();
	console.log("bench node ready");
	reportEventLoop();
}

main().catch((err: Error) => {
	console.error(`bench node: ${err.message}`);
	process.exit(1);
});
