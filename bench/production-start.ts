/**
 * How production starts a node, as the compose file and the Kubernetes overlays
 * do: `npm run start:prod`, or `npm run start:prod:batch` for a node that runs
 * only state or a listener, whose batches of a thousand messages stay live
 * across their database round trips (a larger young generation, docs/operations.md).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export type ProductionStart = "start:prod" | "start:prod:batch";

/** The services whose nodes start with `start:prod:batch` when they run nothing else. */
export const BATCH_SERVICES: readonly string[] = ["state", "reserve-listener", "payment-listener"];

export const productionStartOf = (services: readonly string[]): ProductionStart =>
	services.length > 0 && services.every((service) => BATCH_SERVICES.includes(service)) ? "start:prod:batch" : "start:prod";

const scripts = (JSON.parse(readFileSync(resolve(__dirname, "..", "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

/** The script's command line without `node`: its node flags, then the runner. */
export const productionArgs = (start: ProductionStart): string[] => scripts[start].split(/\s+/).slice(1);
