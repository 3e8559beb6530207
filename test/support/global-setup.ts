/**
 * Runs once before all tests: PostgreSQL and Redis answer, the Kafka broker runs
 * (the project's own unless KAFKA_BROKERS is set), the test database is migrated.
 * Unit tests alone (`npm run test:unit`) skip it.
 */
import { loadConfig } from "../../lib/platform/config/config";
import { prepareInfrastructure, type Infrastructure } from "../../dev/infrastructure";
import { applyTestEnv } from "./test-env";

declare global {
	var __infrastructure: Infrastructure | undefined;
}

export default async function globalSetup(): Promise<void> {
	if (process.env.TEST_INFRA === "off") return;
	applyTestEnv();
	globalThis.__infrastructure = await prepareInfrastructure(loadConfig());
}
