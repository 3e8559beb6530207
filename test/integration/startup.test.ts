/**
 * `npm start` with a dependency that is not there, or a bad setting: the process
 * stops by itself with one line saying which and how to fix it, no stack trace.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../dev/cluster/ports";

const root = resolve(__dirname, "..", "..");
/** Issue 2: start-up gives up within 30 s. Reaching this guard fails the test. */
const GUARD_MS = 30_000;

interface Outcome {
	code: number | null;
	stderr: string;
	guardFired: boolean;
}

function start(env: Record<string, string>): Promise<Outcome> {
	const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "bin/start.ts"], {
		cwd: root,
		env: { ...process.env, ...env },
		stdio: ["ignore", "ignore", "pipe"],
	});
	let stderr = "";
	child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
	let guardFired = false;
	const guard = setTimeout(() => {
		guardFired = true;
		child.kill("SIGTERM"); // it started after all: stop it (and the private broker it may have started)
	}, GUARD_MS);
	return new Promise((done) =>
		child.once("close", (code) => {
			clearTimeout(guard);
			done({ code, stderr, guardFired });
		}),
	);
}

function expectOneClearLine(outcome: Outcome, names: RegExp): void {
	expect(outcome.guardFired).toBe(false);
	expect(outcome.code).not.toBe(0);
	expect(outcome.code).not.toBeNull();
	const lines = outcome.stderr.split("\n").filter((line) => line.trim() !== "");
	expect(lines).toHaveLength(1);
	expect(lines[0]).toMatch(/^orders: cannot start: /);
	expect(lines[0]).toMatch(names);
	expect(outcome.stderr).not.toMatch(/^\s+at /m);
}

const kafkaHomes: string[] = [];
afterAll(() => kafkaHomes.forEach((home) => rmSync(home, { recursive: true, force: true })));

/** Should a check wrongly pass, the broker it starts is a private one, never the shared one. */
async function privateKafka(): Promise<Record<string, string>> {
	kafkaHomes.push(mkdtempSync(join(tmpdir(), "startup-kafka-")));
	return { KAFKA_LOCAL_PORT: String(await freePort()), KAFKA_HOME_DIR: kafkaHomes[kafkaHomes.length - 1] };
}

describe("start-up stops with one clear line", () => {
	it("when DATABASE_URL points at a closed port", async () => {
		const outcome = await start({ ...(await privateKafka()), DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/orders_test` });
		expectOneClearLine(outcome, /PostgreSQL .*DATABASE_URL/);
	});

	it("when REDIS_URL points at a closed port", async () => {
		const outcome = await start({ ...(await privateKafka()), REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
		expectOneClearLine(outcome, /Redis .*REDIS_URL/);
	});

	it("when KAFKA_BROKERS points at a closed port", async () => {
		const outcome = await start({ KAFKA_BROKERS: `127.0.0.1:${await freePort()}` });
		expectOneClearLine(outcome, /Kafka .*KAFKA_BROKERS/);
	});

	it("when a setting is invalid", async () => {
		const outcome = await start({ ...(await privateKafka()), PORT: "70000" });
		expectOneClearLine(outcome, /ConfigError: PORT="70000" is invalid/);
	});

	it("when the database role does not exist (an answer, not retried)", async () => {
		const outcome = await start({ ...(await privateKafka()), DATABASE_URL: "postgres://no_such_role@127.0.0.1:5432/orders_test" });
		expectOneClearLine(outcome, /PostgreSQL .*no_such_role.*DATABASE_URL/);
	});
});
