/**
 * The files the console's pages load, all shipped in the package (no CDN): the
 * console's own script and style, htmx and uPlot from their npm packages. Read
 * once, on the first request, and served from memory with a day of caching.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../platform/config/project-root";

const FILES: Record<string, [string, string]> = {
	"console.js": ["lib/console/public/console.js", "text/javascript; charset=utf-8"],
	"console.css": ["lib/console/public/console.css", "text/css; charset=utf-8"],
	"htmx.min.js": ["node_modules/htmx.org/dist/htmx.min.js", "text/javascript; charset=utf-8"],
	"uPlot.iife.min.js": ["node_modules/uplot/dist/uPlot.iife.min.js", "text/javascript; charset=utf-8"],
	"uPlot.min.css": ["node_modules/uplot/dist/uPlot.min.css", "text/css; charset=utf-8"],
};

export interface Asset {
	body: Buffer;
	type: string;
}

const loaded = new Map<string, Asset>();

/** The asset of that name, or null for any name not in the list (no path ever comes from the request). */
export function consoleAsset(name: string): Asset | null {
	const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
	if (!file) return null;
	let asset = loaded.get(name);
	if (!asset) {
		asset = { body: readFileSync(join(projectRoot(), file[0])), type: file[1] };
		loaded.set(name, asset);
	}
	return asset;
}

export const ASSET_NAMES = Object.keys(FILES);
