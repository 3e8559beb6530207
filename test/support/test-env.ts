/** Settings every test process shares: its own database, quiet logs, no metrics or probe port. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/orders_test";

export function applyTestEnv(env: NodeJS.ProcessEnv = process.env): void {
	env.DATABASE_URL = TEST_DATABASE_URL;
	env.LOG_LEVEL ??= "warn";
	env.METRICS ??= "off";
	env.PROBES ??= "off"; // parallel node processes would all want PROBE_PORT 3031
	env.GRPC_PORT ??= "0"; // likewise GRPC_PORT 8081: a node runs grpc-gateway on a free port unless a test names one
	env.KAFKAJS_NO_PARTITIONER_WARNING = "1";
}
