/** Health targets for a gateway in a unit test: nothing listens there (the checker is mocked). */
import type { HealthTargets } from "../../lib/platform/observability/health";

export const UNREACHABLE_HEALTH_TARGETS: HealthTargets = {
	namespace: "unit",
	databaseUrl: "postgres://nobody@127.0.0.1:1/none",
	dbPoolMax: 1,
	redisUrl: "redis://127.0.0.1:1",
	kafkaBrokers: ["127.0.0.1:1"],
	kafkaSecurity: {},
};
