/**
 * The project's own single-node Apache Kafka broker (KRaft), run from the jars
 * that dev/kafka/pom.xml pins. Used when KAFKA_BROKERS is unset: by `npm start`,
 * by the test set-up and by `npm run kafka`.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";

import { config, localKafkaBroker, type Config } from "../lib/platform/config/config";

const root = resolve(__dirname, "..");
const kafkaDir = join(__dirname, "kafka");
const pom = join(kafkaDir, "pom.xml");
/** The jars stay cached here whatever KAFKA_HOME_DIR says, so private brokers reuse them. */
const jarsHome = join(root, ".kafka");

/** Where a broker listens and keeps its data; tests run private brokers on other ports. */
export interface BrokerSite {
	broker: string;
	controller: string;
	home: string;
	/**
	 * A second client listener on `listen` that advertises `advertised` (a TCP proxy
	 * in front of `listen`): clients bootstrapped through the proxy are told to
	 * reconnect to the proxy, so cutting it really cuts them (the chaos run).
	 */
	proxied?: { listen: string; advertised: string };
	/** More server.properties lines (a later line wins): a test's broker that wants SASL, for instance. */
	properties?: string[];
}

/** The site KAFKA_LOCAL_PORT and KAFKA_HOME_DIR describe: 127.0.0.1:9092 (controller :9093) in <repo>/.kafka by default. */
export function localSite(cfg: Pick<Config, "kafkaLocalPort" | "kafkaHomeDir"> = config()): BrokerSite {
	return {
		broker: localKafkaBroker(cfg),
		controller: `127.0.0.1:${cfg.kafkaLocalPort + 1}`,
		home: cfg.kafkaHomeDir,
	};
}

const dataDir = (site: BrokerSite) => join(site.home, "data");
const pidFile = (site: BrokerSite) => join(site.home, "broker.pid");
export const brokerLog = (site: BrokerSite = localSite()): string => join(site.home, "broker.log");

export interface LocalKafka {
	brokers: string[];
	/** True when this process started the broker and so must stop it. */
	owned: boolean;
	/** The one line to say when the broker is another process's: it outlives this one. */
	adopted?: string;
	stop(): Promise<void>;
}

/** Said at start and at stop of a node that uses a broker it did not start. */
export const adoptionNotice = (pid: number): string =>
	`reusing a Kafka broker started by another process (pid ${pid}); stop it with \`npm run kafka -- stop\``;

function libDir(): string {
	const pomHash = createHash("sha256").update(readFileSync(pom)).digest("hex").slice(0, 12);
	return join(jarsHome, `lib-${pomHash}`);
}

const MVN_ATTEMPTS = 3;

/** Fetches the pinned broker jars with Maven once; later runs reuse them. */
export function ensureKafkaJars(): string {
	const dir = libDir();
	if (existsSync(join(dir, ".complete"))) return dir;
	rmSync(dir, { recursive: true, force: true });
	const fetchJars = () =>
		spawnSync("mvn", ["-q", "-B", "-f", pom, "dependency:copy-dependencies", `-DoutputDirectory=${dir}`, "-DincludeScope=runtime"], {
			stdio: ["ignore", "pipe", "pipe"],
			encoding: "utf8",
		});
	// A download from Maven Central can fail once and pass on the next try (seen on a fresh machine).
	let mvn = fetchJars();
	for (let attempt = 2; attempt <= MVN_ATTEMPTS && (mvn.error || mvn.status !== 0); attempt++) mvn = fetchJars();
	if (mvn.error || mvn.status !== 0) {
		const why = mvn.error ? mvn.error.message : (mvn.stdout + mvn.stderr).trim().split("\n").slice(-3).join(" ");
		throw new Error(`could not fetch the Kafka broker jars with Maven (is mvn installed?): ${why}`);
	}
	writeFileSync(join(dir, ".complete"), new Date().toISOString());
	return dir;
}

function serverProperties(site: BrokerSite): string {
	const proxied = site.proxied ? [`PROXIED://${site.proxied.listen}`] : [];
	const advertised = site.proxied ? [`PROXIED://${site.proxied.advertised}`] : [];
	return [
		"process.roles=broker,controller",
		"node.id=1",
		`controller.quorum.bootstrap.servers=${site.controller}`,
		`listeners=${[`PLAINTEXT://${site.broker}`, ...proxied, `CONTROLLER://${site.controller}`].join(",")}`,
		`advertised.listeners=${[`PLAINTEXT://${site.broker}`, ...advertised, `CONTROLLER://${site.controller}`].join(",")}`,
		"controller.listener.names=CONTROLLER",
		"listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PROXIED:PLAINTEXT",
		"inter.broker.listener.name=PLAINTEXT",
		`log.dirs=${dataDir(site)}`,
		"num.partitions=3",
		// A single node: every internal topic has one replica, or groups never find a coordinator.
		"offsets.topic.replication.factor=1",
		"transaction.state.log.replication.factor=1",
		"transaction.state.log.min.isr=1",
		"share.coordinator.state.topic.replication.factor=1",
		"share.coordinator.state.topic.min.isr=1",
		"group.initial.rebalance.delay.ms=0",
		// Topics are created by the project (lib/kafka-topics.ts) with the configured partition count.
		"auto.create.topics.enable=false",
		...(site.properties ?? []),
		"",
	].join("\n");
}

function java(lib: string, site: BrokerSite, mainClass: string, args: string[]): string[] {
	return [
		"-Xms128m",
		"-Xmx512m",
		"-XX:+UseG1GC",
		`-Dlog4j2.configurationFile=${join(kafkaDir, "log4j2.properties")}`,
		`-Dkafka.logs.dir=${site.home}`,
		"-cp",
		`${lib}/*`,
		mainClass,
		...args,
	];
}

/**
 * A cluster ID as Kafka makes them: 16 random bytes in base64url. Like Kafka's own
 * Uuid.randomUuid it never starts with "-", which the storage tool would read as an option.
 */
function newClusterId(): string {
	for (;;) {
		const id = Buffer.from(randomUUID().replace(/-/g, ""), "hex").toString("base64url");
		if (!id.startsWith("-")) return id;
	}
}

function formatStorage(lib: string, site: BrokerSite, propsFile: string): void {
	if (existsSync(join(dataDir(site), "meta.properties"))) return;
	mkdirSync(dataDir(site), { recursive: true });
	const clusterId = newClusterId();
	const format = spawnSync("java", java(lib, site, "kafka.tools.StorageTool", ["format", "--standalone", "-t", clusterId, "-c", propsFile]), {
		encoding: "utf8",
	});
	if (format.status !== 0) throw new Error(`could not format Kafka storage in ${dataDir(site)}: ${format.stderr.trim()}`);
}

export function aliveProcess(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

function runningPid(site: BrokerSite): number | null {
	if (!existsSync(pidFile(site))) return null;
	const pid = Number(readFileSync(pidFile(site), "utf8"));
	return Number.isInteger(pid) && aliveProcess(pid) ? pid : null;
}

export function portAnswers(hostPort: string, timeoutMs = 1000): Promise<boolean> {
	const [host, port] = [hostPort.slice(0, hostPort.lastIndexOf(":")), Number(hostPort.slice(hostPort.lastIndexOf(":") + 1))];
	return new Promise((done) => {
		const socket = connect({ host, port });
		const finish = (ok: boolean) => {
			socket.destroy();
			done(ok);
		};
		socket.setTimeout(timeoutMs, () => finish(false));
		socket.once("connect", () => finish(true));
		socket.once("error", () => finish(false));
	});
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check()) return;
		await new Promise((r) => setTimeout(r, 250));
	}
	throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
}

async function stopPid(pid: number): Promise<void> {
	if (!aliveProcess(pid)) return;
	process.kill(pid, "SIGTERM");
	try {
		await waitUntil(async () => !aliveProcess(pid), 30_000, "Kafka shutdown");
	} catch {
		process.kill(pid, "SIGKILL");
	}
}

/**
 * Starts the local broker, or adopts the one another process started (`npm run
 * kafka`, or a node that died without stopping it) and says so. Resolves once
 * the broker accepts connections.
 */
export async function startLocalKafka(site: BrokerSite = localSite()): Promise<LocalKafka> {
	const brokers = [site.broker];
	const existing = runningPid(site);
	if (existing) {
		await waitUntil(() => portAnswers(site.broker), 60_000, `the local Kafka broker (pid ${existing}) answering on ${site.broker}`);
		return { brokers, owned: false, adopted: adoptionNotice(existing), stop: async () => undefined };
	}
	if (await portAnswers(site.broker)) {
		throw new Error(`${site.broker} is taken by a process this project did not start; to use that broker set KAFKA_BROKERS=${site.broker}`);
	}
	const lib = ensureKafkaJars();
	mkdirSync(site.home, { recursive: true });
	const propsFile = join(site.home, "server.properties");
	writeFileSync(propsFile, serverProperties(site));
	formatStorage(lib, site, propsFile);

	const log = openSync(brokerLog(site), "a");
	// Detached into its own process group: a Ctrl-C reaches it only through stop(), after the services drained.
	const child = spawn("java", java(lib, site, "kafka.Kafka", [propsFile]), { detached: true, stdio: ["ignore", log, log] });
	const pid = child.pid;
	if (!pid) throw new Error("could not start java for the Kafka broker");
	writeFileSync(pidFile(site), String(pid));
	child.unref();
	let exited = false;
	child.once("exit", () => (exited = true));
	await waitUntil(
		async () => {
			if (exited) throw new Error(`the Kafka broker exited during start-up; see ${brokerLog(site)}`);
			return portAnswers(site.broker);
		},
		90_000,
		`the Kafka broker answering on ${site.broker}`,
	);
	return {
		brokers,
		owned: true,
		stop: async () => {
			await stopPid(pid);
			rmSync(pidFile(site), { force: true });
		},
	};
}

/** Stops a broker left running by `npm run kafka -- start`. */
export async function stopLocalKafka(site: BrokerSite = localSite()): Promise<boolean> {
	const pid = runningPid(site);
	if (!pid) return false;
	await stopPid(pid);
	rmSync(pidFile(site), { force: true });
	return true;
}

export const localKafkaPid = (site: BrokerSite = localSite()): number | null => runningPid(site);
