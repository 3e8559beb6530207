/**
 * Liveness and readiness for an orchestrator, on their own port (PROBE_PORT),
 * so the REST port keeps only the contract's routes.
 *
 *   GET /live   200 while this process's broker runs (503 once it is stopping)
 *   GET /ready  200 once the node's services have started and the dependencies
 *               THIS node uses answer; 503 with a JSON body naming each one that
 *               is not ready.
 *
 * Readiness asks the node's health checker (lib/platform/observability/health.ts): its kept
 * connections, one check shared by concurrent callers and reused for a second.
 */
import { createServer, type Server } from "node:http";
import type { Middleware, ServiceBroker } from "moleculer";
import type { Config } from "../config/config";
import { healthChecker, healthTargets, type HealthChecker } from "./health";
import { usesKafka, usesPostgres } from "../startup/service-needs";

export type ReadinessCheck = "services" | "transporter" | "postgresql" | "kafka";

export interface Readiness {
	ready: boolean;
	/** "up", or why not. */
	checks: Partial<Record<ReadinessCheck, string>>;
}

export async function readiness(broker: ServiceBroker, health: HealthChecker): Promise<Readiness> {
	const local = broker.services.map((s) => s.name);
	const { answers } = await health.check();
	return withVerdict({
		services: broker.started && !broker.stopping ? "up" : broker.stopping ? "the node is stopping" : "the node's services have not started yet",
		// The transporter's own flag, and Redis itself: the flag alone lags a lost connection.
		transporter: broker.transit?.connected ? answers.redis : "the Redis transporter is not connected",
		...(usesPostgres(local) ? { postgresql: answers.postgresql } : {}),
		...(usesKafka(local) ? { kafka: answers.kafka } : {}),
	});
}

const withVerdict = (checks: Readiness["checks"]): Readiness => ({ ready: Object.values(checks).every((r) => r === "up"), checks });

export interface Probes {
	port: number;
	close(): Promise<void>;
}

/** Serves /live and /ready for `broker` on cfg.probePort; rejects when the port is taken. */
export async function startProbes(broker: ServiceBroker, cfg: Config): Promise<Probes> {
	const health = healthChecker(broker, healthTargets(cfg));
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
			void readiness(broker, health).then(({ ready, checks }) => {
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
		close: async () => {
			await new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			});
			await health.release();
		},
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
