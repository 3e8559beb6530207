/**
 * Every npm command a user runs answers --help with its options (exit 0) and an
 * unknown option with one line and the usage (exit 2), before it touches
 * PostgreSQL, Redis or Kafka.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";

const COMMANDS = ["start", "simulate", "import-go", "chaos", "bench", "bench:memory", "bench:orders-read", "migrate", "topics", "kafka", "repl"];

function npmRun(command: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
	return new Promise((done) => {
		execFile("npm", ["run", "--silent", command, "--", ...args], { cwd: resolve(__dirname, "../.."), timeout: 60_000 }, (err, stdout, stderr) => {
			done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
		});
	});
}

describe("npm commands' --help and usage errors", () => {
	it.each(COMMANDS)("npm run %s -- --help prints the usage and exits 0", async (command) => {
		const { code, stdout, stderr } = await npmRun(command, "--help");
		expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
		expect(stdout).toMatch(/^usage: npm (run )?\S+/);
		expect(stdout).toContain("--help, -h");
	});

	it.each(COMMANDS)("npm run %s -- --no-such-option says so in one line plus the usage, exit 2", async (command) => {
		const { code, stdout, stderr } = await npmRun(command, "--no-such-option");
		expect(code).toBe(2);
		expect(stdout).toBe("");
		expect(stderr.trim().split("\n")).toEqual([`${command}: Unknown option '--no-such-option'`, expect.stringMatching(/^usage: npm .*\(--help for the options\)$/)]);
	});
});
