/**
 * The project's root directory (the one holding package.json and migrations/):
 * found by walking up from this file, in the sources and in the compiled dist/.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

export function projectRoot(from: string = __dirname): string {
	for (let dir = from; ; dir = dirname(dir)) {
		if (existsSync(join(dir, "package.json"))) return dir;
		if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
	}
}
