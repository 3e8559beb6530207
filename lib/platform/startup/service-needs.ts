/** Which dependencies a node needs, from the services it runs (SERVICES). */
import type { ServiceName } from "../config/config";

const USES_POSTGRES: readonly ServiceName[] = ["orders", "state", "outbox-relay", "reserve-listener", "payment-listener"];
const USES_KAFKA: readonly ServiceName[] = ["outbox-relay", "reserve-listener", "payment-listener"];

export const usesPostgres = (services: Iterable<string>): boolean => [...services].some((name) => USES_POSTGRES.includes(name as ServiceName));
export const usesKafka = (services: Iterable<string>): boolean => [...services].some((name) => USES_KAFKA.includes(name as ServiceName));
