/**
 * `npm run start:prod`: a production node from the compiled dist/. It checks
 * the Node version and the settings before anything else loads, then runs the
 * process node (bin/process-node.ts): the dependencies its services use and the
 * database schema are checked, each failure one line, and the runner starts the
 * services named in SERVICES (dist/services/<name>.service.js) with
 * dist/moleculer.config.js (`npm run dev`: the same from the TypeScript sources,
 * with hot reload). It does no bootstrap: no local Kafka, no database creation,
 * no migration, no topic (`npm run migrate`, `npm run topics`). Runner flags
 * pass through: `npm run start:prod -- --repl`.
 */
import { cannotStart } from "../lib/platform/startup/cannot-start";
import { config } from "../lib/platform/config/config";
import { nodeVersionProblem } from "../lib/platform/startup/node-version";
import { runProcessNode } from "./process-node";

async function main(): Promise<void> {
	const nodeProblem = nodeVersionProblem();
	if (nodeProblem) cannotStart(nodeProblem);
	await runProcessNode(config());
}

main().catch(cannotStart);
