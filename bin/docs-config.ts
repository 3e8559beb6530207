/**
 * `npm run docs:config`: writes docs/configuration.md from the settings'
 * declarations (lib/platform/config/settings.ts); test/unit/configuration-doc.test.ts
 * fails while the file differs from what this writes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configurationDoc } from "../lib/platform/config/configuration-doc";
import { projectRoot } from "../lib/platform/config/project-root";
import { readCommandLine } from "./command-line";

const COMMAND = {
	command: "npm run docs:config",
	summary: "Writes docs/configuration.md from the declarations of the environment settings (lib/platform/config/settings.ts).",
	options: {},
} as const;

readCommandLine(COMMAND);
const target = join(projectRoot(), "docs", "configuration.md");
writeFileSync(target, configurationDoc());
console.log(`wrote ${target}`);
