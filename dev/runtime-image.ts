/**
 * The Dockerfile's runtime stage, reproduced in a directory (no Docker engine
 * here): the compiled dist/, package.json and package-lock.json with production
 * dependencies only (`npm ci --omit=dev`), migrations/, proto/ and bin/launch.js. The
 * production-runtime test and the memory benchmark start nodes from it.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const root = resolve(__dirname, "..");
const run = promisify(execFile);

export interface RuntimeImage {
	dir: string;
	remove(): Promise<void>;
}

export async function buildRuntimeImage(): Promise<RuntimeImage> {
	const dir = await mkdtemp(join(tmpdir(), "orders-runtime-"));
	const remove = () => rm(dir, { recursive: true, force: true });
	try {
		await run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", join(dir, "dist")], { cwd: root });
		for (const path of ["package.json", "package-lock.json", "migrations", "proto", "bin/launch.js"]) {
			await cp(join(root, path), join(dir, path), { recursive: true });
		}
		// From the npm cache when it has everything (as a warm CI does); the Dockerfile runs the same command.
		await run("npm", ["ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
		return { dir, remove };
	} catch (err) {
		await remove();
		const { stdout, stderr } = err as { stdout?: string; stderr?: string };
		throw new Error(`runtime image not built: ${(err as Error).message}\n${stdout ?? ""}${stderr ?? ""}`.slice(0, 4000), { cause: err });
	}
}
