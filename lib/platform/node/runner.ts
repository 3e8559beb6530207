/**
 * moleculer-runner, with one change: broker options come from moleculer.config
 * only, which reads lib/platform/config/config.ts. The stock runner also lays every
 * environment variable named like a broker option over them (TRACING=zipkin
 * would replace the `tracing` options with the string "zipkin", METRICS=off the
 * `metrics` options with "off"), which would give a setting two meanings.
 */
import { Runner } from "moleculer";

class SingleSourceRunner extends Runner {
	override overwriteFromEnv(options: unknown): unknown {
		return options;
	}
}

/** Starts the runner with moleculer-runner's command line (flags such as --repl, --hot pass through). */
export async function runNode(argv: string[]): Promise<void> {
	await new SingleSourceRunner().start(argv);
}
