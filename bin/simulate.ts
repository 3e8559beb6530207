/**
 * `npm run simulate -- [--reserve-fail R] [--payment-reject R] [--payment-fail R] [--delay MS] [--from-beginning]
 *   [--products grpc [--grpc-address HOST:PORT] [--out-of-stock ID,ID...]]`:
 * plays inventory and payment against the running system (dev/saga-simulator.ts).
 * `--products grpc` plays the products service as it runs: GetOrder over gRPC on
 * each order event, reserve FAILED when a product is out of stock (--reserve-fail is then unused).
 */
import { config, kafkaBrokers } from "../lib/platform/config/config";
import { createKafka } from "../lib/platform/clients/kafka";
import { startSimulator } from "../dev/saga-simulator";
import { productsOverGrpc, type ProductsOverGrpc } from "../dev/products-over-grpc";
import { readCommandLine, usageError } from "./command-line";

const COMMAND = {
	command: "npm run simulate --",
	summary: "Plays the inventory and payment services against the running system: answers every order event on the reserve and payment topics.",
	options: {
		"reserve-fail": { type: "string", value: "R", help: "share of reserves that fail, 0 to 1 (default 0.1)" },
		"payment-reject": { type: "string", value: "R", help: "share of payments refused at once, 0 to 1 (default 0.05)" },
		"payment-fail": { type: "string", value: "R", help: "share of created payments that then fail, 0 to 1 (default 0.1)" },
		delay: { type: "string", value: "MS", help: "wait before each answer, in milliseconds (default 0)" },
		"from-beginning": { type: "boolean", help: "answer the order topic from its start, not only new orders" },
		products: { type: "string", value: "rates|grpc", help: "grpc: decide reserves from GetOrder over gRPC, as the products service does (default rates)" },
		"grpc-address": { type: "string", value: "HOST:PORT", help: "with --products grpc: the gRPC API (default 127.0.0.1:GRPC_PORT)" },
		"out-of-stock": { type: "string", value: "ID,ID", help: "with --products grpc: product ids whose reserve fails" },
	},
} as const;

function rate(name: string, raw: string | undefined, fallback: number): number {
	if (raw === undefined) return fallback;
	const value = Number(raw);
	if (!(value >= 0 && value <= 1)) usageError(COMMAND, `--${name} must be a number from 0 to 1, got "${raw}"`);
	return value;
}

/** `--products grpc`: the products service's GetOrder-then-reserve; otherwise null (reserve by rate). */
function productsMode(values: Record<string, string | boolean | undefined>, grpcPort: number): ProductsOverGrpc | null {
	const mode = values.products ?? "rates";
	if (mode === "rates") return null;
	if (mode !== "grpc") usageError(COMMAND, `--products must be "grpc" or "rates", got "${String(mode)}"`);
	const outOfStock = String(values["out-of-stock"] ?? "")
		.split(",")
		.filter((id) => id.trim() !== "")
		.map((id) => {
			const value = Number(id);
			if (!Number.isSafeInteger(value) || value < 1) usageError(COMMAND, `--out-of-stock takes product ids (positive integers), got "${id}"`);
			return value;
		});
	return productsOverGrpc(String(values["grpc-address"] ?? `127.0.0.1:${grpcPort}`), new Set(outOfStock));
}

async function main(): Promise<void> {
	const { values } = readCommandLine(COMMAND);
	const delayMs = Number(values.delay ?? 0);
	if (!Number.isInteger(delayMs) || delayMs < 0) usageError(COMMAND, `--delay must be a whole number of milliseconds, got "${values.delay}"`);
	const cfg = config();
	const products = productsMode(values, cfg.grpcPort);
	const simulator = await startSimulator({
		kafka: createKafka(kafkaBrokers(cfg), "saga-simulator", undefined, cfg.kafkaSecurity),
		topics: cfg.topics,
		reserveFailRate: rate("reserve-fail", values["reserve-fail"], 0.1),
		paymentRejectRate: rate("payment-reject", values["payment-reject"], 0.05),
		paymentFailRate: rate("payment-fail", values["payment-fail"], 0.1),
		delayMs,
		fromBeginning: values["from-beginning"] ?? false,
		reserve: products?.decide,
	});
	const how = products ? " (reserves decided from GetOrder over gRPC)" : "";
	console.log(`simulator: answering "${cfg.topics.order}" on "${cfg.topics.reserve}" and "${cfg.topics.payment}"${how} (Ctrl-C stops)`);
	const report = setInterval(() => {
		const failed = products?.failures.count ? `, GetOrder failed ${products.failures.count} times (last: ${products.failures.last})` : "";
		console.log(`simulator: ${simulator.stats.orders} orders, ${simulator.stats.skipped} skipped, ${simulator.stats.redelivered} redelivered, sent ${JSON.stringify(simulator.stats.sent)}${failed}`);
	}, 5_000);
	const stop = async () => {
		clearInterval(report);
		await simulator.stop();
		products?.close();
		process.exit(0);
	};
	process.on("SIGINT", () => void stop());
	process.on("SIGTERM", () => void stop());
}

main().catch((err: Error) => {
	console.error(`simulate: ${err.message.split("\n")[0]}`);
	process.exit(1);
});
