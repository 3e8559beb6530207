/**
 * `npm run topics`: creates the contract's topics (and their .dlq) that are
 * missing on KAFKA_BROKERS, with KAFKA_PARTITIONS partitions. A deployment step,
 * like `npm run migrate`: production nodes create no topic.
 */
import { config, kafkaBrokers } from "../lib/platform/config/config";
import { contractTopics, createKafka, ensureTopics } from "../lib/platform/clients/kafka";
import { checkKafka } from "../lib/platform/startup/preflight";
import { readCommandLine } from "./command-line";

const COMMAND = {
	command: "npm run topics",
	summary: "Creates the topics the service produces and consumes (and their .dlq) that are missing on KAFKA_BROKERS, with KAFKA_PARTITIONS partitions.",
	options: {},
} as const;

async function main(): Promise<void> {
	const cfg = config();
	const brokers = kafkaBrokers(cfg);
	await checkKafka(brokers);
	const topics = contractTopics(cfg);
	await ensureTopics(createKafka(brokers, "orders-topics"), topics, cfg.kafkaPartitions);
	console.log(`topics ready on ${brokers.join(",")}: ${topics.join(", ")}`);
}

readCommandLine(COMMAND);
main().catch((err: Error) => {
	console.error(`topics: ${err.name === "Error" ? "" : `${err.name}: `}${err.message.split("\n")[0]}`);
	process.exit(1);
});
