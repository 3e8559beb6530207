/**
 * The raw saga baseline as a process of its own, like the service node it is
 * compared with: a bare node:http server (POST /orders -> 201 {"order_id"})
 * over bench/raw-saga.ts. Settings from the same environment as a service node.
 * Prints "bench node ready", then its event loop's utilization every second; SIGTERM stops it.
 */
import { createServer } from "node:http";
import { kafkaBrokers, loadConfig } from "../lib/platform/config/config";
import { serveRawNode } from "./raw-node-server";
import { startRawSaga } from "./raw-saga";

async function main(): Promise<void> {
	const cfg = loadConfig();
	const saga = await startRawSaga({ brokers: kafkaBrokers(cfg), databaseUrl: cfg.databaseUrl, poolMax: cfg.dbPoolMax, env: process.env });
	const server = createServer((req, res) => {
		req.resume(); // the body is the sample order: the raw create does not read it
		req.on("end", () => {
			saga.create().then(
				(orderId) => res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ order_id: orderId })),
				(err: Error) => res.writeHead(500).end(err.message),
			);
		});
	});
	await serveRawNode(server, cfg.port, () => saga.stop());
}

main().catch((err: Error) => {
	console.error(`raw saga node: ${err.message}`);
	process.exit(1);
});
