/**
 * The whole system as `npm start` runs it: a child process with its own Kafka
 * broker (private ports and home, so the shared broker is never touched) and its
 * own database. It answers /api/ping; SIGTERM or Ctrl-C (SIGINT to its process
 * group) stops every process it started, Kafka included.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "pg";
import { aliveProcess, portAnswers } from "../../dev/kafka-local";
import { freePort } from "../../dev/cluster/ports";
import { TEST_DATABASE_URL } from "../support/test-env";

const root = resolve(__dirname, "..", "..");
/** Failure guards, not timings: a cold broker start on a busy machine is slow. */
const START_GUARD_MS = 180_000;
const STOP_GUARD_MS = 60_000;

jest.setTimeout(START_GUARD_MS + STOP_GUARD_MS + 30_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The promise's value, or `late` once ms have passed (the timer never outlives the test). */
async function within<T, L>(promise: Promise<T>, ms: number, late: L): Promise<T | L> {
	let timer: NodeJS.Timeout | undefined;
	const guard = new Promise<L>((done) => (timer = setTimeout(() => done(late), ms)));
	try {
		return await Promise.race([promise, guard]);
	} finally {
		clearTimeout(timer);
	}
}

/** Two consecutive free ports: the broker's, and its controller's above it. */
async function freePortPair(): Promise<number> {
	for (;;) {
		const port = await freePort();
		if (port < 65535 && !(await portAnswers(`127.0.0.1:${port + 1}`, 300))) return port;
	}
}

function databaseUrl(name: string): string {
	const url = new URL(TEST_DATABASE_URL);
	url.pathname = `/${name}`;
	return url.toString();
}

async function dropDatabase(name: string): Promise<void> {
	const client = new Client({ connectionString: databaseUrl("postgres") });
	await client.connect();
	try {
		await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
	} finally {
		await client.end();
	}
}

interface Running {
	child: ChildProcess;
	output: () => string;
	exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	ports: { http: number; metrics: number; kafka: number };
	kafkaHome: string;
	database: string;
}

async function startSystem(): Promise<Running> {
	const ports = { http: await freePort(), metrics: await freePort(), kafka: await freePortPair() };
	const kafkaHome = mkdtempSync(join(tmpdir(), "e2e-kafka-"));
	// A database of its own: its outbox relay must not publish other tests' events to this private broker.
	const database = `orders_e2e_start_${randomBytes(4).toString("hex")}`;
	const env: NodeJS.ProcessEnv = {
		...process.env,
		DATABASE_URL: databaseUrl(database),
		KAFKA_LOCAL_PORT: String(ports.kafka),
		KAFKA_HOME_DIR: kafkaHome,
		PORT: String(ports.http),
		METRICS: "on",
		METRICS_PORT: String(ports.metrics),
		LOG_LEVEL: "info",
	};
	delete env.KAFKA_BROKERS;
	for (const name of ["SERVICES", "ORDER_TOPIC", "RESERVE_TOPIC", "PAYMENT_TOPIC"]) delete env[name];
	// Its own process group, as a shell runs a foreground job: Ctrl-C signals the whole group.
	const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "bin/start.ts"], {
		cwd: root,
		env,
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
	});
	let output = "";
	child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
		child.once("exit", (code, signal) => done({ code, signal })),
	);
	return { child, output: () => output, exited, ports, kafkaHome, database };
}

/** Polls /api/ping until it answers; fails if the process exits or the guard passes. */
async function ping(running: Running): Promise<unknown> {
	let exit: unknown;
	void running.exited.then((e) => (exit = e));
	const deadline = Date.now() + START_GUARD_MS;
	while (Date.now() < deadline) {
		if (exit) throw new Error(`npm start exited (${JSON.stringify(exit)}) before answering:\n${running.output().slice(-4000)}`);
		try {
			const res = await fetch(`http://127.0.0.1:${running.ports.http}/api/ping`);
			if (res.ok) return await res.json();
		} catch {
			// not listening yet
		}
		await sleep(500);
	}
	throw new Error(`no answer on /api/ping before the guard:\n${running.output().slice(-4000)}`);
}

/** The runner logs "node <id> runs: <services>" once broker.start() has resolved (lib/platform/node/node-runner.ts). */
async function fullyStarted(running: Running): Promise<void> {
	const deadline = Date.now() + START_GUARD_MS;
	while (!/node \S+ runs: /.test(running.output())) {
		if (Date.now() > deadline) throw new Error(`the node never reported it runs:\n${running.output().slice(-4000)}`);
		await sleep(250);
	}
}

describe("npm start, then a signal", () => {
	let running: Running | undefined;
	let kafkaPid: number | undefined;

	afterEach(async () => {
		// Whatever happened, leave nothing behind.
		if (running?.child.pid && aliveProcess(running.child.pid)) process.kill(-running.child.pid, "SIGKILL");
		if (kafkaPid && aliveProcess(kafkaPid)) process.kill(kafkaPid, "SIGKILL");
		if (running) {
			await dropDatabase(running.database);
			rmSync(running.kafkaHome, { recursive: true, force: true });
		}
		running = undefined;
		kafkaPid = undefined;
	});

	it.each([
		["SIGTERM to the process", "SIGTERM" as const, false],
		["Ctrl-C (SIGINT to its process group)", "SIGINT" as const, true],
	])("%s stops the node and the Kafka broker it started", async (_, signal, toGroup) => {
		running = await startSystem();
		const pid = running.child.pid as number;

		expect(await ping(running)).toEqual({ pong: true });
		// The gateway answers before the listeners have joined their groups; stop a node that is fully up.
		await fullyStarted(running);
		kafkaPid = Number(readFileSync(join(running.kafkaHome, "broker.pid"), "utf8"));
		expect(aliveProcess(kafkaPid)).toBe(true);
		expect(await portAnswers(`127.0.0.1:${running.ports.kafka}`)).toBe(true);
		expect((await fetch(`http://127.0.0.1:${running.ports.metrics}/metrics`)).status).toBe(200);

		const before = running.output().length;
		process.kill(toGroup ? -pid : pid, signal);
		const exit = await within(running.exited, STOP_GUARD_MS, "still running after the guard");
		expect(exit).toEqual({ code: 0, signal: null });

		expect(aliveProcess(kafkaPid)).toBe(false);
		for (const port of [running.ports.kafka, running.ports.kafka + 1, running.ports.http, running.ports.metrics]) {
			expect(await portAnswers(`127.0.0.1:${port}`)).toBe(false);
		}
		expect(() => process.kill(-pid, 0)).toThrow(); // nothing left in its process group
		// Every service stopped cleanly (Moleculer logs a service that fails to stop, and the node exits anyway).
		expect(running.output().slice(before)).not.toMatch(/Unable to stop/);
		// A normal start and stop say nothing alarming: no ERROR line, no stack trace.
		expect(running.output()).not.toMatch(/\bERROR\b|^\s+at .+:\d+:\d+\)?$/m);
	});
});
