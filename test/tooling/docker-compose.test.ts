/**
 * No Docker engine on the development machines, so the Compose file is checked
 * by reading it: every command, script, path, service and setting it names exists.
 */
import { BATCH_SERVICES } from "../../bench/production-start";
import { existsSync, readFileSync } from "node:fs";
import { SETTINGS } from "../../lib/platform/config/settings";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { ALL_SERVICES } from "../../lib/platform/config/config";

const root = resolve(__dirname, "..", "..");
const read = (file: string) => readFileSync(join(root, file), "utf8");

interface ComposeService {
	image?: string;
	build?: string | { context?: string; dockerfile?: string };
	command?: string | string[];
	environment?: Record<string, string | number | null> | string[];
	ports?: string[];
	expose?: string[];
	container_name?: string;
	depends_on?: string[] | Record<string, { condition: string }>;
	healthcheck?: { test: string[]; start_period?: string };
}

const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, ComposeService> };
const services = Object.entries(compose.services);
const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;


/** The environment names the service reads: every one is declared in lib/platform/config/settings.ts. */
const configNames = new Set<string>(Object.keys(SETTINGS));

const isApp = (service: ComposeService) => service.build !== undefined;
const appServices = services.filter(([, s]) => isApp(s));
const environment = (service: ComposeService): Record<string, string> =>
	Array.isArray(service.environment)
		? Object.fromEntries(service.environment.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]))
		: Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]));
const argv = (command: string | string[]): string[] => (Array.isArray(command) ? command : command.split(/\s+/));

/** The source a compiled path comes from (`npm run build`): dist/bin/runner.js -> bin/runner.ts. */
const sourceOf = (path: string): string => (path.startsWith("dist/") ? path.slice("dist/".length).replace(/\.js$/, ".ts") : path);

/** What a command line needs from the repository: npm scripts it runs, files it names. */
function expectRunnable(command: string[]): void {
	if (command[0] === "npm") {
		const script = command[1] === "run" ? command[2] : command[1];
		expect(Object.keys(scripts)).toContain(script);
		expectRunnable(scripts[script].split(/\s+/));
		return;
	}
	for (const arg of command.slice(1).filter((a) => /\.(ts|js)$/.test(a))) {
		expect(existsSync(join(root, sourceOf(arg)))).toBe(true);
	}
}

/** The Dockerfile's JSON-form CMD and every path it COPYs from the build context (not from another stage). */
function dockerfile(file: string): { cmd: string[]; copied: string[] } {
	const lines = read(file).split("\n");
	const cmdLine = lines.find((l) => l.startsWith("CMD "));
	const copied = lines
		.filter((l) => l.startsWith("COPY ") && !l.includes("--from="))
		.flatMap((l) => l.split(/\s+/).slice(1, -1).filter((a) => !a.startsWith("--")));
	return { cmd: cmdLine ? (JSON.parse(cmdLine.slice(4)) as string[]) : [], copied };
}

/** The Dockerfile's stages: the lines from each FROM to the next. */
function stages(file: string): string[][] {
	return read(file)
		.split("\n")
		.reduce<string[][]>((all, line) => (line.startsWith("FROM ") ? [...all, [line]] : all.length ? [...all.slice(0, -1), [...all.at(-1)!, line]] : all), []);
}

describe("docker-compose.yml", () => {
	it("has the infrastructure: postgres, redis, the official Kafka image (KRaft, single-node settings), kafka-ui on 8080", () => {
		expect(compose.services.postgres.image).toMatch(/^postgres:/);
		expect(compose.services.redis.image).toMatch(/^redis:/);
		const kafka = compose.services.kafka;
		expect(kafka.image).toMatch(/^apache\/kafka:4\./);
		expect(environment(kafka)).toMatchObject({
			KAFKA_PROCESS_ROLES: "broker,controller",
			KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
			KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
			KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
		});
		expect(compose.services["kafka-ui"].ports).toEqual(["8080:8080"]);
	});

	it("runs each of the six services in a container of its own, named after it", () => {
		for (const name of ALL_SERVICES) {
			expect(compose.services[name]).toBeDefined();
			expect(environment(compose.services[name]).SERVICES).toBe(name);
		}
	});

	it("names only real services in SERVICES", () => {
		for (const [, service] of appServices) {
			const value = environment(service).SERVICES;
			if (value === undefined) continue;
			for (const name of value.split(",")) expect(ALL_SERVICES).toContain(name.trim());
		}
	});

	it("gives the app containers only declared settings (lib/platform/config/settings.ts)", () => {
		expect(configNames).toContain("DATABASE_URL"); // the extraction itself works
		for (const [, service] of appServices) {
			for (const name of Object.keys(environment(service))) expect(configNames).toContain(name);
		}
	});

	it("points DATABASE_URL, REDIS_URL and KAFKA_BROKERS at services of the file", () => {
		for (const [, service] of appServices) {
			const env = environment(service);
			expect(Object.keys(compose.services)).toContain(new URL(env.DATABASE_URL).hostname);
			expect(Object.keys(compose.services)).toContain(new URL(env.REDIS_URL).hostname);
			for (const broker of env.KAFKA_BROKERS.split(",")) expect(Object.keys(compose.services)).toContain(broker.split(":")[0]);
		}
	});

	it("lets every service scale: no container_name, and only the gateways publish a port (REST 3000, gRPC 8081)", () => {
		for (const [name, service] of appServices) {
			expect(service.container_name).toBeUndefined();
			if (name !== "api-gateway" && name !== "grpc-gateway") expect(service.ports).toBeUndefined();
		}
		expect(compose.services["api-gateway"].ports).toEqual(["3000:3000"]);
		expect(compose.services["grpc-gateway"].ports).toEqual(["8081:8081"]);
	});

	it("migrates with a step the services wait for, running a script that exists", () => {
		const migrate = compose.services.migrate;
		expect(migrate.command).toBeDefined();
		expectRunnable(argv(migrate.command as string[]));
		for (const name of ALL_SERVICES) {
			expect(compose.services[name].depends_on).toMatchObject({ migrate: { condition: "service_completed_successfully" } });
		}
	});

	it("runs only commands, scripts and files that exist, and depends only on its own services", () => {
		for (const [, service] of services) {
			if (service.command) expectRunnable(argv(service.command));
			const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
			for (const dep of deps) expect(Object.keys(compose.services)).toContain(dep);
		}
	});

	it("builds from a Dockerfile whose copied paths and command exist", () => {
		for (const [, service] of appServices) {
			const build = typeof service.build === "string" ? { context: service.build } : (service.build ?? {});
			const file = join(build.context ?? ".", build.dockerfile ?? "Dockerfile");
			expect(existsSync(join(root, file))).toBe(true);
			const { cmd, copied } = dockerfile(file);
			expect(cmd.length).toBeGreaterThan(0);
			expectRunnable(cmd);
			for (const path of copied) expect(existsSync(join(root, build.context ?? ".", path))).toBe(true);
		}
	});

	it("runs the saga simulator (the simulate script) on the services' broker and topics, once the topics exist", () => {
		const simulator = compose.services.simulator;
		const command = argv(simulator.command as string[]);
		const script = argv(scripts.simulate);
		// `npm run simulate [-- options]`, or the script's own command line with options.
		if (command[0] === "npm") expect(command.slice(0, 3)).toEqual(["npm", "run", "simulate"]);
		else expect(command.slice(0, script.length)).toEqual(script);
		expectRunnable(command);
		const env = environment(simulator);
		const shared = ["KAFKA_BROKERS", "ORDER_TOPIC", "RESERVE_TOPIC", "PAYMENT_TOPIC"];
		// Set on the simulator, not left to a default both sides might not share (undefined equals undefined).
		for (const key of shared) expect(env[key]).toMatch(/\S/);
		for (const name of ALL_SERVICES) {
			const service = environment(compose.services[name]);
			for (const key of shared) expect(env[key]).toBe(service[key]);
		}
		expect(simulator.depends_on).toMatchObject({ "outbox-relay": { condition: "service_healthy" } });
	});

	it("gives each service container its metrics and probe ports inside the network only, and a readiness healthcheck", () => {
		for (const name of ALL_SERVICES) {
			const service = compose.services[name];
			const env = environment(service);
			expect(env).toMatchObject({ METRICS_PORT: expect.stringMatching(/^\d+$/), PROBE_PORT: expect.stringMatching(/^\d+$/) });
			expect(service.expose).toEqual(expect.arrayContaining([env.METRICS_PORT, env.PROBE_PORT]));
			expect(env.PROBES ?? "on").toBe("on");
			expect(service.healthcheck?.test.join(" ")).toContain(`127.0.0.1:${env.PROBE_PORT}/ready`);
		}
	});

	it("builds in one stage and runs the compiled code in another: production dependencies, non-root, a healthcheck, the pinned Node major", () => {
		const pkg = JSON.parse(read("package.json")) as { engines: { node: string }; devDependencies: Record<string, string> };
		const major = /\d+/.exec(pkg.engines.node)![0];
		expect(pkg.devDependencies.node.split(".")[0]).toBe(major);
		const [build, runtime] = stages("Dockerfile");
		for (const stage of [build, runtime]) expect(stage[0]).toMatch(new RegExp(`^FROM node:${major}-`));
		expect(build.join("\n")).toContain("npm run build");
		const run = runtime.filter((l) => !l.startsWith("#")).join("\n");
		expect(run).toMatch(/npm ci --omit=dev/);
		expect(run).toContain("COPY --from=build /app/dist ./dist");
		expect(run).not.toMatch(/ts-node|\.ts\b/);
		expect(runtime.find((l) => l.startsWith("USER "))).toBe("USER node");
		expect(run).toMatch(/HEALTHCHECK[\s\S]*\/ready/);
		expect(dockerfile("Dockerfile").cmd).toEqual(scripts["start:prod"].split(/\s+/)); // what `npm run start:prod` runs
	});

	it("starts the nodes that work in batches (state, the listeners) as `npm run start:prod:batch` does, every other node with the image's command", () => {
		for (const [name, service] of appServices.filter(([, s]) => environment(s).SERVICES !== undefined)) {
			const expected = BATCH_SERVICES.includes(name) ? scripts["start:prod:batch"].split(/\s+/) : undefined;
			expect([name, service.command]).toEqual([name, expected]);
		}
	});

	it("creates the topics in a step of its own that the services wait for", () => {
		expect(argv(compose.services.topics.command as string[])).toEqual(["npm", "run", "topics"]);
		for (const name of ALL_SERVICES) {
			expect(compose.services[name].depends_on).toMatchObject({ topics: { condition: "service_completed_successfully" } });
		}
	});
});
