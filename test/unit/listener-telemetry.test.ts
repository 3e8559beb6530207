/** The listener's counters and log lines, on an in-process broker with metrics on. */
import { ServiceBroker } from "moleculer";
import { listenerTelemetry } from "../../lib/listeners/listener-telemetry";
import { SAGA_METRICS } from "../../lib/platform/observability/metrics";

function brokerAt(level: string) {
	const lines: unknown[][] = [];
	const broker = new ServiceBroker({ logger: { type: "Console", options: { level } }, metrics: { enabled: true } });
	const logger = { ...broker.getLogger("test"), debug: (...args: unknown[]) => lines.push(args), warn: (...args: unknown[]) => lines.push(args) };
	return { broker, lines, telemetry: listenerTelemetry(broker, logger as never, "inventory") };
}

const counted = (broker: ServiceBroker, outcome: string): number =>
	(broker.metrics.getMetric(SAGA_METRICS.messages)?.get({ topic: "inventory", outcome, reason: "" })?.value as number | undefined) ?? 0;

const message = (offset: number) => ({ order_id: offset, idempotent_key: `k${offset}`, partition: 0, offset: String(offset) });

it("counts a chunk's messages of one outcome in one update, as many as one update each", () => {
	const { broker, telemetry } = brokerAt("info");
	telemetry.recordMany("applied", 3, () => [message(1), message(2), message(3)]);
	telemetry.record("applied", message(4));
	telemetry.recordMany("duplicate", 0, () => []);
	expect(counted(broker, "applied")).toBe(4);
	expect(counted(broker, "duplicate")).toBe(0);
});

it("writes a debug line per message only where debug lines are printed", () => {
	const quiet = brokerAt("info");
	const details = jest.fn(() => [message(1), message(2)]);
	quiet.telemetry.recordMany("applied", 2, details);
	expect(quiet.lines).toEqual([]);
	expect(details).not.toHaveBeenCalled();
	const verbose = brokerAt("debug");
	verbose.telemetry.recordMany("applied", 2, () => [message(1), message(2)]);
	expect(verbose.lines.map(([fields]) => (fields as { order_id: number }).order_id)).toEqual([1, 2]);
});

it("always writes a dead letter's warning", () => {
	const { lines, telemetry } = brokerAt("info");
	telemetry.record("dead_lettered", message(7), { reason: "malformed", error: "value is not JSON" });
	expect(lines).toHaveLength(1);
});
