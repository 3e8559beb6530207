/**
 * GET /api/health: do PostgreSQL (the service's database), Redis and Kafka
 * answer right now? The start-up checks of lib/platform/preflight.ts, one attempt each,
 * cut at 2 s, so a dependency that is down shows up as "down", never as a hang.
 */
import { kafkaBrokers, type Config } from "./config";
import { checkKafka, checkPostgres, checkRedis, SINGLE_ATTEMPT } from "./preflight";

export type Dependency = "postgresql" | "redis" | "kafka";
export type HealthReport = Record<Dependency, "up" | "down">;

const CHECKS: Record<Dependency, (cfg: Config) => Promise<void>> = {
	postgresql: (cfg) => checkPostgres(cfg.databaseUrl, SINGLE_ATTEMPT, "own"),
	redis: (cfg) => checkRedis(cfg.redisUrl, SINGLE_ATTEMPT),
	kafka: (cfg) => checkKafka(kafkaBrokers(cfg), SINGLE_ATTEMPT, false, cfg.kafkaSecurity),
};

export async function checkHealth(cfg: Config): Promise<HealthReport> {
	const names = Object.keys(CHECKS) as Dependency[];
	const results = await Promise.allSettled(names.map((name) => CHECKS[name](cfg)));
	return Object.fromEntries(names.map((name, i) => [name, results[i].status === "fulfilled" ? "up" : "down"])) as HealthReport;
}
