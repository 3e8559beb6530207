/**
 * What a production node checks before its services start: the dependencies
 * its services use answer (PostgreSQL, Redis, Kafka) and the schema is current.
 * It creates nothing: no database, no migration, no topic.
 */
import { kafkaBrokers, type Config } from "../config/config";
import { checkKafka, checkPostgres, checkRedis } from "./preflight";
import { checkSchema } from "./schema-check";
import { usesKafka, usesPostgres } from "./service-needs";

export async function checkBeforeStart(cfg: Config): Promise<void> {
	const postgres = usesPostgres(cfg.services);
	await Promise.all([postgres ? checkPostgres(cfg.databaseUrl) : undefined, checkRedis(cfg.redisUrl)]);
	if (usesKafka(cfg.services)) await checkKafka(kafkaBrokers(cfg), undefined, false, cfg.kafkaSecurity);
	if (postgres) await checkSchema(cfg.databaseUrl);
}
