/**
 * Chromium driven by playwright-core, for the console's end-to-end tests. The
 * browser is the system's (`chromium` package, installed by .ci/run), started
 * headless with a fresh profile and without its background connections (they
 * are refused on the test machines and would be logged as errors).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
];

export interface TestBrowser {
	context: BrowserContext;
	/** A new tab whose console errors and uncaught exceptions are collected in `errors`. */
	page(): Promise<Page>;
	errors: string[];
	close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
	const profile = mkdtempSync(join(tmpdir(), "console-chromium-"));
	const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
	const errors: string[] = [];
	return {
		context,
		errors,
		async page() {
			const page = await context.newPage();
			page.on("console", (message) => {
				if (message.type() === "error") errors.push(`${page.url()}: ${message.text()}`);
			});
			page.on("pageerror", (err) => errors.push(`${page.url()}: ${err.message}`));
			return page;
		},
		async close() {
			await context.close();
			rmSync(profile, { recursive: true, force: true });
		},
	};
}
