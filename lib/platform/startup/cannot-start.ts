/** The one line a node prints when it cannot start, then exit code 1: no stack trace. */
export function cannotStart(err: unknown): never {
	const line = err instanceof Error ? `${err.name === "Error" ? "" : `${err.name}: `}${err.message}` : String(err);
	process.stderr.write(`orders: cannot start: ${line.split("\n")[0]}\n`);
	process.exit(1);
}
