/**
 * `npm run simulate -- [--reserve-fail R] [--payment-reject R] [--payment-fail R] [--delay MS] [--from-beginning]`:
 * plays inventory and payment against the running system (dev/saga-simulator.ts).
 */
import { parseArgs } from "node:util";
import { config, kafkaBrokers } from "../lib/platform/config";
import { createKafka } from "../lib/platform/kafka";
import { startSimulator } from "../dev/saga-simulator";

function rate(name: string, raw: string | undefined, fallback: number): number {
	if (raw === undefined) return fallback;
	const value = Number(raw);
	if (!(value >= 0 && value <= 1)) throw new Error(`--${name} must be a number from 0 to 1, got "${raw}"`);
	return value;
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			"reserve-fail": { type: "string" },
			"payment-reject": { type: "string" },
			"payment-fail": { type: "string" },
			delay: { type: "string" },
			"from-beginning": { type: "boolean" },
		},
	});
	const delayMs = Number(values.delay ?? 0);
	if (!Number.isInteger(delayMs) || delayMs < 0) throw new Error(`--delay must be a whole number of milliseconds, got "${values.delay}"`);
	const cfg = config();
	const simulator = await startSimulator({
		kafka: createKafka(kafkaBrokers(cfg), "saga-simulator", undefined, cfg.kafkaSecurity),
		topics: cfg.topics,
		reserveFailRate: rate("reserve-fail", values["reserve-fail"], 0.1),
		paymentRejectRate: rate("payment-reject", values["payment-reject"], 0.05),
		paymentFailRate: rate("payment-fail", values["payment-fail"], 0.1),
		delayMs,
		fromBeginning: values["from-beginning"] ?? false,
	});
	console.log(`simulator: answering "${cfg.topics.order}" on "${cfg.topics.reserve}" and "${cfg.topics.payment}" (Ctrl-C stops)`);
	const report = setInterval(() => console.log(`simulator: ${simulator.stats.orders} orders, sent ${JSON.stringify(simulator.stats.sent)}`), 5_000);
	const stop = async () => {
		clearInterval(report);
		await simulator.stop();
		process.exit(0);
	};
	process.on("SIGINT", () => void stop());
	process.on("SIGTERM", () => void stop());
}

main().catch((err: Error) => {
	console.error(`simulate: ${err.message.split("\n")[0]}`);
	process.exit(1);
});
