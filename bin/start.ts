/**
 * `npm start`: prepares the infrastructure and runs the services named in
 * SERVICES (every service by default) on one node. SIGINT/SIGTERM stop the node,
 * then the Kafka broker it started. The node is the production one: the broker
 * options and middlewares of moleculer.config.ts, services loaded from their files
 * (wiring/create-node.ts); only the signals are this file's, since Kafka stops after
 * the node. /live and /ready answer on PROBE_PORT from before the services start
 * until the node has stopped (the probes middleware, lib/platform/observability/probes.ts).
 *
 * A signal may come at any point. During start-up the steps under way finish
 * (a Kafka broker coming up, a consumer joining its group: cutting those short
 * leaves them behind or crashes them), no further step begins, and then the node
 * stops as it would once running.
 */
import { ServiceBroker } from "moleculer";
import { config, ConfigError } from "../lib/platform/config/config";
import { loadServices } from "../wiring/create-node";
import { processNodeOptions } from "../moleculer.config";
import { requestStop } from "../lib/platform/node/stop-request";
import { cannotStart } from "../lib/platform/startup/cannot-start";
import { nodeVersionProblem } from "../lib/platform/startup/node-version";
import { prepareInfrastructure, type Infrastructure } from "../dev/infrastructure";
import { readCommandLine } from "./command-line";

const COMMAND = {
	command: "npm start",
	summary: "Starts the whole system on local defaults: the project's Kafka broker (unless KAFKA_BROKERS is set), the database and its migrations, the topics, and the services of SERVICES (all by default) on one node. Settings: docs/configuration.md.",
	options: {},
} as const;

/** What is up so far; stopped in reverse order. */
interface Running {
	infrastructure?: Infrastructure;
	broker?: ServiceBroker;
}

const say = (running: Running, line: string) => (running.broker ? running.broker.logger.info(line) : process.stdout.write(`orders: ${line}\n`));

async function stopAll(running: Running): Promise<void> {
	await running.broker?.stop().catch((err) => running.broker?.logger.error("stop failed", err));
	await running.infrastructure?.stop();
	if (running.infrastructure?.adoptedKafka) say(running, `left running: ${running.infrastructure.adoptedKafka}`);
}

async function main(): Promise<void> {
	const cfg = config();
	const running: Running = {};
	let phase: "starting" | "running" = "starting";
	let requested: NodeJS.Signals | undefined;
	const shutdown = async (signal: NodeJS.Signals) => {
		say(running, `${signal}: stopping the node`);
		await stopAll(running);
		process.exit(0);
	};
	const onSignal = (signal: NodeJS.Signals) => {
		if (requested) return;
		requested = signal;
		if (phase === "running") return void shutdown(signal);
		say(running, `${signal} during start-up: stopping once the steps under way have finished`);
		if (running.broker) requestStop(running.broker);
	};
	process.on("SIGINT", onSignal);
	process.on("SIGTERM", onSignal);

	try {
		running.infrastructure = await prepareInfrastructure(cfg);
		if (running.infrastructure.adoptedKafka) say(running, running.infrastructure.adoptedKafka);
		if (requested) return await shutdown(requested);
		running.broker = loadServices(new ServiceBroker(processNodeOptions(cfg)), cfg.services);
		await running.broker.start();
	} catch (err) {
		await stopAll(running);
		throw err;
	}
	if (requested) return await shutdown(requested);
	phase = "running";
	const { broker, infrastructure } = running as Required<Running>;
	if (infrastructure.migrationsApplied.length > 0) broker.logger.info(`migrations applied: ${infrastructure.migrationsApplied.join(", ")}`);
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
readCommandLine(COMMAND);
main().catch(cannotStart);
