/**
 * Brings up what the services stand on: PostgreSQL and Redis answer, Kafka runs
 * (the project's own broker when KAFKA_BROKERS is unset), the database exists
 * and is migrated, the topics exist. Used by `npm start` and the test set-up;
 * production nodes (bin/runner.ts) do none of this: `npm run migrate` and
 * `npm run topics` are explicit steps there.
 */
import { kafkaBrokers, type Config } from "../lib/platform/config/config";
import { ensureDatabase } from "../lib/platform/clients/database";
import { migrateUp } from "../lib/platform/startup/migrations";
import { contractTopics, createKafka, ensureTopics } from "../lib/platform/clients/kafka";
import { checkKafka, checkPostgres, checkRedis } from "../lib/platform/startup/preflight";
import { startLocalKafka } from "./kafka-local";

export interface Infrastructure {
	brokers: string[];
	migrationsApplied: string[];
	/** Set when the local Kafka broker is another process's: the line to say (it is left running). */
	adoptedKafka?: string;
	/** Stops what this call started (the local Kafka broker, if it started one). */
	stop(): Promise<void>;
}

export async function prepareInfrastructure(cfg: Config, extraTopics: string[] = []): Promise<Infrastructure> {
	await Promise.all([checkPostgres(cfg.databaseUrl), checkRedis(cfg.redisUrl)]);
	const local = cfg.kafkaBrokers ? null : await startLocalKafka();
	const stop = async () => {
		if (local?.owned) await local.stop();
	};
	try {
		const brokers = kafkaBrokers(cfg);
		await checkKafka(brokers, undefined, local !== null, cfg.kafkaSecurity);
		await ensureDatabase(cfg.databaseUrl);
		const migrationsApplied = await migrateUp(cfg.databaseUrl);
		await ensureTopics(createKafka(brokers, undefined, undefined, cfg.kafkaSecurity), [...contractTopics(cfg), ...extraTopics], cfg.kafkaPartitions);
		return { brokers, migrationsApplied, adoptedKafka: local?.adopted, stop };
	} catch (err) {
		await stop();
		throw err;
	}
}
