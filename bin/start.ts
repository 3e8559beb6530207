/**
 * `npm start`: the developer bootstrap, then the production node. The bootstrap
 * (dev/infrastructure.ts) brings up what the services stand on: the project's
 * Kafka broker unless KAFKA_BROKERS is set, the database and its migrations, the
 * topics. Then the node runs exactly as `npm run start:prod` runs it
 * (bin/process-node.ts): the same start-up checks, runner, moleculer.config and
 * service files, here from the TypeScript sources. SIGINT/SIGTERM stop the node,
 * then the Kafka broker the bootstrap started; a signal during the bootstrap or
 * the node's start lets the steps under way finish, begins no further one, and
 * then stops (lib/platform/node/node-runner.ts).
 */
import { config, ConfigError } from "../lib/platform/config/config";
import { cannotStart } from "../lib/platform/startup/cannot-start";
import { nodeVersionProblem } from "../lib/platform/startup/node-version";
import { prepareInfrastructure, type Infrastructure } from "../dev/infrastructure";
import { readCommandLine } from "./command-line";
import { runProcessNode } from "./process-node";

const COMMAND = {
	command: "npm start",
	summary: "Starts the whole system on local defaults: the project's Kafka broker (unless KAFKA_BROKERS is set), the database and its migrations, the topics, and the services of SERVICES (all by default) on one node. Settings: docs/configuration.md.",
	options: {},
} as const;

async function main(): Promise<void> {
	const cfg = config();
	let infrastructure: Infrastructure | undefined;
	await runProcessNode(cfg, {
		before: async (say) => {
			infrastructure = await prepareInfrastructure(cfg);
			if (infrastructure.adoptedKafka) say(infrastructure.adoptedKafka);
		},
		running: (broker) => {
			const applied = infrastructure?.migrationsApplied ?? [];
			if (applied.length > 0) broker.logger.info(`migrations applied: ${applied.join(", ")}`);
		},
		after: async (say) => {
			await infrastructure?.stop();
			if (infrastructure?.adoptedKafka) say(`left running: ${infrastructure.adoptedKafka}`);
		},
	});
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
