/**
 * `npm start`: prepares the infrastructure and runs the services named in
 * SERVICES (every service by default) on one node. SIGINT/SIGTERM stop the node,
 * then the Kafka broker it started. /live and /ready answer on PROBE_PORT
 * from before the services start until the node has stopped (lib/platform/probes.ts).
 */
import { config, ConfigError } from "../lib/platform/config";
import { createNode } from "../lib/platform/broker";
import { cannotStart } from "../lib/platform/cannot-start";
import { nodeVersionProblem } from "../lib/platform/node-version";
import { prepareInfrastructure } from "../dev/infrastructure";
import { startProbes, type Probes } from "../lib/platform/probes";

async function main(): Promise<void> {
	const cfg = config();
	const infrastructure = await prepareInfrastructure(cfg);
	const broker = createNode(cfg);
	let probes: Probes | undefined;
	let stopping = false;
	const shutdown = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		broker.logger.info(`${signal}: stopping the node`);
		await broker.stop().catch((err) => broker.logger.error("stop failed", err));
		await probes?.close();
		await infrastructure.stop();
		process.exit(0);
	};
	process.on("SIGINT", () => void shutdown("SIGINT"));
	process.on("SIGTERM", () => void shutdown("SIGTERM"));
	try {
		if (cfg.probesEnabled) probes = await startProbes(broker, cfg);
		await broker.start();
	} catch (err) {
		await broker.stop().catch(() => undefined);
		await probes?.close();
		await infrastructure.stop();
		throw err;
	}
	if (infrastructure.migrationsApplied.length > 0) {
		broker.logger.info(`migrations applied: ${infrastructure.migrationsApplied.join(", ")}`);
	}
	broker.logger.info(`node ${broker.nodeID} runs: ${cfg.services.join(", ")} (Kafka ${infrastructure.brokers.join(",")})`);
}

const nodeProblem = nodeVersionProblem();
if (nodeProblem) cannotStart(nodeProblem);
try {
	config();
} catch (err) {
	if (err instanceof ConfigError) cannotStart(err);
	throw err;
}
main().catch(cannotStart);
