/**
 * `npm run start:prod`: a production node from the compiled dist/. Before
 * anything else loads it checks the Node version, the settings, the
 * dependencies its services use and the database schema, each failure one line;
 * then moleculer-runner starts the services named in SERVICES
 * (dist/services/<name>.service.js) with dist/moleculer.config.js
 * (`npm run dev`: the same from the TypeScript sources, with hot reload). It does no
 * bootstrap: no local Kafka, no database creation, no migration, no topic
 * (`npm run migrate`, `npm run topics`). Runner flags pass through:
 * `npm run start:prod -- --repl`.
 */
import { extname, join } from "node:path";
import { cannotStart } from "../lib/platform/startup/cannot-start";
import { config } from "../lib/platform/config/config";
import { nodeVersionProblem } from "../lib/platform/startup/node-version";

async function main(): Promise<void> {
	const nodeProblem = nodeVersionProblem();
	if (nodeProblem) cannotStart(nodeProblem);
	const cfg = config();
	// Loaded only now: an old Node or a bad setting stops start-up before any dependency loads.
	const { checkBeforeStart } = await import("../lib/platform/startup/startup-checks");
	await checkBeforeStart(cfg);
	// Compiled (dist/, .js) or, for `npm run dev`, the TypeScript sources under ts-node (.ts).
	const root = join(__dirname, "..");
	const ext = extname(__filename);
	process.env.SERVICES = cfg.services.map((name) => join(root, "services", `${name}.service${ext}`)).join(",");
	const { runNode } = await import("../lib/platform/node/runner");
	await runNode([...process.argv.slice(0, 2), "--config", join(root, `moleculer.config${ext}`), ...process.argv.slice(2)]);
}

main().catch(cannotStart);
