/**
 * The listener baseline as a process of its own, like the service node it is
 * compared with (same node flags, so the same heap and garbage collection):
 * bench/raw-listener.ts on RAW_LISTENER_TOPIC as group RAW_LISTENER_GROUP, with
 * a `pg` pool of one connection per partition worked on at once. Settings from
 * the same environment as a service node. Prints "bench node ready", then its
 * event loop's utilization every second; SIGTERM stops it.
 */
import { createServer } from "node:http";
import { Pool } from "pg";
import { createKafka } from "../lib/platform/clients/kafka";
import { kafkaBrokers, loadConfig } from "../lib/platform/config/config";
import { serveRawNode } from "./raw-node-server";
import { PARTITIONS_CONCURRENTLY, rawListen } from "./raw-listener";

async function main(): Promise<void> {
	const cfg = loadConfig();
	const [topic, group] = [process.env.RAW_LISTENER_TOPIC, process.env.RAW_LISTENER_GROUP];
	if (!topic || !group) throw new Error("RAW_LISTENER_TOPIC and RAW_LISTENER_GROUP must be set");
	const pool = new Pool({ connectionString: cfg.databaseUrl, max: PARTITIONS_CONCURRENTLY });
	const stop = await rawListen(createKafka(kafkaBrokers(cfg), "bench-raw-listener"), pool, topic, group);
	// Nothing is served: the server only gives the process the lifecycle of the other raw nodes.
	const server = createServer((_req, res) => void res.writeHead(404).end());
	await serveRawNode(server, cfg.port, () => stop().finally(() => pool.end()));
}

main().catch((err: Error) => {
	console.error(`raw listener node: ${err.message}`);
	process.exit(1);
});
