/**
 * `npm run kafka -- start|stop|status`: the project's own broker on its own,
 * for running several nodes against one broker (they then set KAFKA_BROKERS).
 */
import { brokerLog, localKafkaPid, startLocalKafka, stopLocalKafka } from "../dev/kafka-local";
import { config, kafkaBrokers } from "../lib/platform/config/config";
import { contractTopics, createKafka, ensureTopics } from "../lib/platform/clients/kafka";
import { readCommandLine, usageError } from "./command-line";

const COMMAND = {
	command: "npm run kafka --",
	summary: "The project's own Kafka broker on 127.0.0.1:9092 (KRaft, one node), for running several nodes against one broker (they then set KAFKA_BROKERS).",
	options: {},
	positionals: { words: "start|stop|status", allowed: ["start", "stop", "status"] },
} as const;

async function main(command: string | undefined): Promise<void> {
	switch (command) {
		case "start": {
			const kafka = await startLocalKafka();
			const cfg = config();
			await ensureTopics(createKafka(kafkaBrokers(cfg), undefined, undefined, cfg.kafkaSecurity), contractTopics(cfg), cfg.kafkaPartitions);
			console.log(`Kafka runs on ${kafka.brokers.join(",")} (pid ${localKafkaPid()}, log ${brokerLog()})`);
			return;
		}
		case "stop":
			console.log((await stopLocalKafka()) ? "Kafka stopped" : "Kafka was not running");
			return;
		case "status": {
			const pid = localKafkaPid();
			console.log(pid ? `Kafka runs (pid ${pid})` : "Kafka is not running");
			return;
		}
		default:
			usageError(COMMAND, "start, stop or status?");
	}
}

main(readCommandLine(COMMAND).positionals[0]).catch((err: Error) => {
	console.error(`kafka: ${err.message.split("\n")[0]}`);
	process.exit(1);
});
