import { logLevel } from "kafkajs";
import { groupClosing, groupOpening, kafkajsLog } from "../../lib/platform/clients/kafkajs-log";

type Entry = { level: logLevel; label: string; error?: string; message?: string; groupId?: string };

function logged(clientLevel: logLevel, entry: Entry): Array<{ stream: string; line: Record<string, unknown> }> {
	const lines: Array<{ stream: string; line: Record<string, unknown> }> = [];
	const spies = (["error", "warn", "info", "log"] as const).map((stream) =>
		jest.spyOn(console, stream).mockImplementation((...args: unknown[]) => void lines.push({ stream, line: JSON.parse(String(args[0])) })),
	);
	try {
		kafkajsLog(clientLevel)({
			namespace: "Connection",
			level: entry.level,
			label: entry.label,
			log: entry.message
				? { timestamp: "t", logger: "kafkajs", message: entry.message, groupId: entry.groupId }
				: { timestamp: "t", logger: "kafkajs", message: "Response GroupCoordinator(key: 10, version: 2)", error: entry.error },
		});
	} finally {
		for (const spy of spies) spy.mockRestore();
	}
	return lines;
}

describe("kafkajs log lines", () => {
	it("keeps kafkajs's own JSON line for an error", () => {
		expect(logged(logLevel.WARN, { level: logLevel.ERROR, label: "ERROR", error: "Connection timeout" })).toEqual([
			{ stream: "error", line: { level: "ERROR", timestamp: "t", logger: "kafkajs", message: "[Connection] Response GroupCoordinator(key: 10, version: 2)", error: "Connection timeout" } },
		]);
	});

	it.each(["The group coordinator is not available", "The coordinator is loading and hence can't process requests for this group", "This is not the correct coordinator for this group"])(
		"treats a coordinator that is still starting (%s) as a debug line",
		(error) => {
			expect(logged(logLevel.WARN, { level: logLevel.ERROR, label: "ERROR", error })).toEqual([]);
			expect(logged(logLevel.DEBUG, { level: logLevel.ERROR, label: "ERROR", error })).toEqual([{ stream: "log", line: expect.objectContaining({ level: "DEBUG", error }) }]);
		},
	);

	it("treats a consumer's crash on a loading coordinator, and the restart that follows, as debug lines", () => {
		const crash = { level: logLevel.ERROR, label: "ERROR", groupId: "g1", message: "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group" };
		const restart = { level: logLevel.ERROR, label: "ERROR", groupId: "g1", message: "Restarting the consumer in 200ms" };
		expect(logged(logLevel.WARN, crash)).toEqual([]);
		expect(logged(logLevel.WARN, restart)).toEqual([]);
	});

	it("keeps a consumer's crash on anything else, and its restart, as errors", () => {
		const crash = { level: logLevel.ERROR, label: "ERROR", groupId: "g2", message: "Crash: KafkaJSConnectionError: Connection error: connect ECONNREFUSED" };
		const restart = { level: logLevel.ERROR, label: "ERROR", groupId: "g2", message: "Restarting the consumer in 200ms" };
		expect(logged(logLevel.WARN, crash)).toEqual([{ stream: "error", line: expect.objectContaining({ level: "ERROR", message: `[Connection] ${crash.message}` }) }]);
		expect(logged(logLevel.WARN, restart)).toEqual([{ stream: "error", line: expect.objectContaining({ level: "ERROR", message: "[Connection] Restarting the consumer in 200ms" }) }]);
	});

	it("treats a consumer's crash while its group is being closed as a debug line, and an error again once the group opens", () => {
		const crash = { level: logLevel.ERROR, label: "ERROR", groupId: "g3", message: "Crash: KafkaJSConnectionClosedError: Closed connection" };
		groupClosing("g3");
		expect(logged(logLevel.WARN, crash)).toEqual([]);
		groupOpening("g3");
		expect(logged(logLevel.WARN, crash)).toEqual([{ stream: "error", line: expect.objectContaining({ level: "ERROR" }) }]);
	});
});
