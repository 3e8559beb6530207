/**
 * The Node.js major the project is pinned to (package.json `engines.node`, the
 * same major as the `node` package and the Dockerfile's base image). Checked
 * first thing at start, before any dependency that needs a newer Node loads,
 * so an old Node gives one line instead of a stack trace from deep inside one.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../config/project-root";

/** The major of `engines.node` (">=24" gives 24). */
export function requiredNodeMajor(manifest = join(projectRoot(), "package.json")): number {
	const engines = (JSON.parse(readFileSync(manifest, "utf8")) as { engines?: { node?: string } }).engines?.node ?? "";
	const major = /(\d+)/.exec(engines)?.[1];
	if (!major) throw new Error(`${manifest} names no engines.node version`);
	return Number(major);
}

/** Why this Node cannot run the service, or null when it can. */
export function nodeVersionProblem(running: string = process.versions.node, required: number = requiredNodeMajor()): string | null {
	const major = Number(running.split(".")[0]);
	return major >= required ? null : `Node ${running} is older than Node ${required}, which this project needs`;
}
