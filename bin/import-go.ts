/**
 * `npm run import-go -- --from <Go database URL> [--to <URL>] [--kafka-group <group>] [--dry-run] [--batch-size N] [--report-json FILE]`:
 * takes over the Go orders service's data (lib/import-go). Prints the report;
 * a progress bar on a terminal only. Exit 0 when done, 1 on a failure (one line), 2 on bad arguments.
 */
import { writeFileSync } from "node:fs";
import { config, kafkaBrokers } from "../lib/platform/config/config";
import { ensureDatabase } from "../lib/platform/clients/database";
import { migrateUp } from "../lib/platform/startup/migrations";
import { createKafka } from "../lib/platform/clients/kafka";
import { importGo, type ImportOptions } from "../lib/import-go/import-run";
import { ImportError, redact } from "../lib/import-go/import-error";
import { formatReport } from "../lib/import-go/report";
import { readCommandLine, usageError } from "./command-line";

const COMMAND = {
	command: "npm run import-go --",
	summary: "Takes over the Go orders service's data (and, with --kafka-group, its consumer offsets) into this service's database (docs/import-go.md).",
	options: {
		from: { type: "string", value: "URL", help: "the Go service's database (required)" },
		to: { type: "string", value: "URL", help: "this service's database (default DATABASE_URL)" },
		"kafka-group": { type: "string", value: "GROUP", help: "the Go consumers' group, whose offsets the listeners' groups take over" },
		"dry-run": { type: "boolean", help: "read and check everything, write nothing" },
		"batch-size": { type: "string", value: "N", help: "orders per transaction (default 1000, 1 to 10000)" },
		"report-json": { type: "string", value: "FILE", help: "also write the report as JSON to FILE" },
	},
} as const;

function parse(): { options: Omit<ImportOptions, "offsets" | "onProgress">; kafkaGroup?: string; reportJson?: string } {
	const { values } = readCommandLine(COMMAND);
	if (!values.from) usageError(COMMAND, "--from <Go database URL> is required");
	const batchSize = Number(values["batch-size"] ?? 1000);
	if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) usageError(COMMAND, `--batch-size must be an integer from 1 to 10000, got "${values["batch-size"]}"`);
	const cfg = config();
	return {
		options: { from: values.from, to: values.to ?? cfg.databaseUrl, orderTopic: cfg.topics.order, batchSize, dryRun: values["dry-run"] ?? false },
		kafkaGroup: values["kafka-group"],
		reportJson: values["report-json"],
	};
}

/** A bar redrawn in place; only on a terminal, so logs and pipes get the report alone. */
function progressBar(): ImportOptions["onProgress"] {
	if (!process.stdout.isTTY) return undefined;
	return (done, total) => {
		const width = 30;
		const filled = total > 0 ? Math.round((done / total) * width) : width;
		process.stdout.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} orders${done >= total ? "\n" : ""}`);
	};
}

async function prepare(url: string): Promise<void> {
	try {
		await ensureDatabase(url);
		await migrateUp(url);
	} catch (err) {
		throw new ImportError(`cannot prepare the target database ${redact(url)}: ${(err as Error).message.split("\n")[0]}`);
	}
}

async function main(): Promise<void> {
	const { options, kafkaGroup, reportJson } = parse();
	const cfg = config();
	const offsets = kafkaGroup
		? {
				kafka: createKafka(kafkaBrokers(cfg), "orders-import-go", 2, cfg.kafkaSecurity),
				sourceGroup: kafkaGroup,
				targets: [
					{ topic: cfg.topics.reserve, group: cfg.groups.reserve },
					{ topic: cfg.topics.payment, group: cfg.groups.payment },
				],
			}
		: undefined;
	// Like `npm start`, the target gets this service's schema first; a dry run writes nothing, so it needs it already.
	const prepareTarget = options.dryRun ? undefined : () => prepare(options.to);
	const report = await importGo({ ...options, offsets, prepareTarget, onProgress: progressBar() });
	console.log(formatReport(report));
	if (reportJson) writeFileSync(reportJson, `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((err: Error) => {
	console.error(`import-go: ${err instanceof ImportError ? "" : `${err.name === "Error" ? "" : `${err.name}: `}`}${err.message.split("\n")[0]}`);
	process.exit(1);
});
