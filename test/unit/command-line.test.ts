import { helpText, readCommandLine } from "../../bin/command-line";

const COMMAND = {
	command: "npm run thing --",
	summary: "Does the thing.",
	options: {
		rate: { type: "string", value: "R", help: "how fast" },
		dry: { type: "boolean", help: "change nothing" },
	},
	positionals: { words: "up|down", allowed: ["up", "down"] },
} as const;

class Exit extends Error {
	constructor(readonly code: number | undefined) {
		super(`exit ${code}`);
	}
}

/** Runs readCommandLine with `args`; what it printed and the exit code it asked for (undefined: it returned). */
function run(args: string[]): { code?: number; out: string; err: string; result?: ReturnType<typeof readCommandLine> } {
	let out = "";
	let err = "";
	const exit = jest.spyOn(process, "exit").mockImplementation((code) => {
		throw new Exit(code as number);
	});
	const stdout = jest.spyOn(process.stdout, "write").mockImplementation((chunk) => ((out += String(chunk)), true));
	const stderr = jest.spyOn(process.stderr, "write").mockImplementation((chunk) => ((err += String(chunk)), true));
	try {
		return { out, err, result: readCommandLine(COMMAND, args) };
	} catch (e) {
		if (!(e instanceof Exit)) throw e;
		return { code: e.code, out, err };
	} finally {
		exit.mockRestore();
		stdout.mockRestore();
		stderr.mockRestore();
	}
}

describe("the command line of every npm command", () => {
	it("answers --help and -h with the usage and every option, and exits 0", () => {
		for (const flag of ["--help", "-h"]) {
			const { code, out } = run([flag]);
			expect(code).toBe(0);
			expect(out).toBe(`${helpText(COMMAND)}\n`);
			expect(out).toContain("usage: npm run thing -- [up|down] [options]");
			expect(out).toMatch(/--rate R\s+how fast/);
			expect(out).toMatch(/--dry\s+change nothing/);
		}
	});

	it("refuses an unknown option with one line and the usage, exit 2", () => {
		const { code, err } = run(["--bogus"]);
		expect(code).toBe(2);
		expect(err.trim().split("\n")).toEqual(["thing: Unknown option '--bogus'", "usage: npm run thing -- [up|down] [options] (--help for the options)"]);
	});

	it("refuses a string option without its value and an unknown word", () => {
		expect(run(["--rate"]).code).toBe(2);
		const word = run(["sideways"]);
		expect(word.code).toBe(2);
		expect(word.err).toContain('unknown word "sideways"');
	});

	it("returns the options and words it was given", () => {
		const { code, result } = run(["down", "--rate", "0.5", "--dry"]);
		expect(code).toBeUndefined();
		expect(result).toEqual({ values: { rate: "0.5", dry: true }, positionals: ["down"] });
	});
});
