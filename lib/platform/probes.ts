/**
 * Liveness and readiness for an orchestrator, on their own port (PROBE_PORT),
 * so the REST port keeps only the contract's routes.
 *
 *   GET /live   200 while this process's broker runs (503 once it is stopping)
 *   GET /ready  200 once the node's services have started and the dependencies
 *               THIS node uses answer; 503 with a JSON body naming each one that
 *               is not ready.
 *
 * Readiness reuses the start-up checks (lib/platform/preflight.ts) as a single attempt
 * with a short deadline; concurrent probes share one check in flight.
 */
import { createServer, type Server } from "node:http";
import type { Middleware, ServiceBroker } from "moleculer";
import { kafkaBrokers, type Config } from "./config";
import { checkKafka, checkPostgres, checkRedis, SINGLE_ATTEMPT } from "./preflight";
import { usesKafka, usesPostgres } from "./service-needs";

export type ReadinessCheck = "services" | "transporter" | "postgresql" | "kafka";

export interface Readiness {
	ready: boolean;
	/** "up", or why not. */
	checks: Partial<Record<ReadinessCheck, string>>;
}

async function outcome(check: Promise<unknown>): Promise<string> {
	try {
		await check;
		return "up";
	} catch (err) {
		return (err as Error).message;
	}
}

export async function readiness(broker: ServiceBroker, cfg: Config): Promise<Readiness> {
	const local = broker.services.map((s) => s.name);
	const checks: Readiness["checks"] = {
		services: broker.started && !broker.stopping ? "up" : broker.stopping ? "the node is stopping" : "the node's services have not started yet",
	};
	const pending: Array<Promise<void>> = [];
	const run = (name: ReadinessCheck, check: () => Promise<unknown>) => pending.push(outcome(check()).then((r) => void (checks[name] = r)));
	// The transporter's own flag, and Redis itself: the flag alone lags a lost connection.
	run("transporter", async () => {
		if (!broker.transit?.connected) throw new Error("the Redis transporter is not connected");
		await checkRedis(cfg.redisUrl, SINGLE_ATTEMPT);
	});
	if (usesPostgres(local)) run("postgresql", () => checkPostgres(cfg.databaseUrl, SINGLE_ATTEMPT, "own"));
	if (usesKafka(local)) run("kafka", () => checkKafka(kafkaBrokers(cfg), SINGLE_ATTEMPT));
	await Promise.all(pending);
	return { ready: Object.values(checks).every((r) => r === "up"), checks };
}

export interface Probes {
	port: number;
	close(): Promise<void>;
}

/** Serves /live and /ready for `broker` on cfg.probePort; rejects when the port is taken. */
export async function startProbes(broker: ServiceBroker, cfg: Config): Promise<Probes> {
	let inFlight: Promise<Readiness> | undefined;
	const server: Server = createServer((req, res) => {
		const reply = (code: number, body: unknown) => {
			res.writeHead(code, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
			res.end(JSON.stringify(body));
		};
		const path = (req.url ?? "").split("?")[0];
		if (req.method !== "GET" && req.method !== "HEAD") return reply(405, { error: "GET only" });
		if (path === "/live") {
			return broker.stopping ? reply(503, { status: "stopping", node: broker.nodeID }) : reply(200, { status: "live", node: broker.nodeID });
		}
		if (path === "/ready") {
			inFlight ??= readiness(broker, cfg).finally(() => (inFlight = undefined));
			void inFlight.then(({ ready, checks }) => {
				const notReady = Object.entries(checks).filter(([, r]) => r !== "up").map(([name]) => name);
				reply(ready ? 200 : 503, { status: ready ? "ready" : "not ready", node: broker.nodeID, not_ready: notReady, checks });
			});
			return;
		}
		reply(404, { error: "not found: GET /live or /ready" });
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", (err: NodeJS.ErrnoException) =>
			reject(new Error(err.code === "EADDRINUSE" ? `PROBE_PORT ${cfg.probePort} is in use (set another PROBE_PORT, or PROBES=off)` : err.message)),
		);
		server.listen(cfg.probePort, "0.0.0.0", resolve);
	});
	const address = server.address();
	return {
		port: typeof address === "object" && address ? address.port : cfg.probePort,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/**
 * The probes as a broker middleware, for nodes started by moleculer-runner
 * (bin/runner.ts): served from before the services start until the node stopped.
 */
export function ProbesMiddleware(cfg: Config): Middleware {
	let probes: Probes | undefined;
	return {
		name: "Probes",
		async starting(broker: ServiceBroker) {
			probes = await startProbes(broker, cfg);
		},
		async stopped() {
			await probes?.close();
		},
	};
}
