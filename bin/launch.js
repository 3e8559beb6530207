#!/usr/bin/env node
/**
 * `node bin/launch.js <name> [args]` runs bin/<name>: the TypeScript source
 * under ts-node where the dev dependencies are installed (a checkout: never a
 * stale dist/), the compiled dist/bin/<name>.js where they are not (the
 * production image). So `npm run migrate` and `npm run topics` work in both.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS: it runs before any TypeScript loader */
/* global require, process, __dirname */
"use strict";
const { join } = require("node:path");

const [name, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], join(__dirname, name), ...args];

let tsNode = null;
try {
	tsNode = require("ts-node");
} catch {
	// production dependencies only: run the compiled code
}
if (tsNode) {
	tsNode.register({ transpileOnly: true });
	require(join(__dirname, `${name}.ts`));
} else {
	require(join(__dirname, "..", "dist", "bin", `${name}.js`));
}
