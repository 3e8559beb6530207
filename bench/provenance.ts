/** How a run was made: the code it measured and the Kafka it ran against, for its results' meta. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";

const root = resolve(__dirname, "..");

/** `git rev-parse HEAD`, with "+dirty" when the work tree has changes (the figures are then not of that commit alone). */
export function codeVersion(): string {
	try {
		const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
		const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root, encoding: "utf8" }).trim() !== "";
		return `${head}${dirty ? "+dirty" : ""}`;
	} catch {
		return "unknown (not a git checkout)";
	}
}

/**
 * The Kafka release the project's broker is built from (dev/kafka/pom.xml). The
 * Kafka protocol does not tell a client the broker's release, so a broker named by
 * KAFKA_BROKERS is recorded as that release only if it is the project's own.
 */
export function kafkaVersion(): string {
	const pom = readFileSync(resolve(root, "dev", "kafka", "pom.xml"), "utf8");
	const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1] ?? "unknown";
	return `${version} (dev/kafka/pom.xml)`;
}

/** The 1, 5 and 15 minute load averages, recorded before and after a run: a busy machine's figures are not a quiet one's. */
export const loadAverage = (): number[] => loadavg().map((l) => Number(l.toFixed(2)));
