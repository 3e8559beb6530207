/**
 * The node of a process, the same for `npm start` and `npm run start:prod` (and
 * `npm run dev`): after the process's own first steps, the start-up checks
 * (lib/platform/startup/startup-checks.ts), then the one runner
 * (lib/platform/node/node-runner.ts) with moleculer.config's default export and
 * the service files of SERVICES. Runner flags on the command line pass through.
 */
import { extname, join } from "node:path";
import type { Config } from "../lib/platform/config/config";
import type { NodeSteps } from "../lib/platform/node/node-runner";

/** Loads the runner and the checks only when called: an old Node or a bad setting stops start-up before any dependency loads. */
export async function runProcessNode(cfg: Config, steps: NodeSteps = {}): Promise<void> {
	const { checkBeforeStart } = await import("../lib/platform/startup/startup-checks");
	const { runNode } = await import("../lib/platform/node/node-runner");
	// Compiled (dist/, .js) or the TypeScript sources under ts-node (.ts).
	const root = join(__dirname, "..");
	const ext = extname(__filename);
	const serviceFiles = cfg.services.map((name) => join(root, "services", `${name}.service${ext}`));
	const before: NodeSteps["before"] = async (say) => {
		await steps.before?.(say);
		await checkBeforeStart(cfg);
	};
	await runNode([...process.argv.slice(0, 2), "--config", join(root, `moleculer.config${ext}`), ...process.argv.slice(2)], cfg, serviceFiles, { ...steps, before });
}
