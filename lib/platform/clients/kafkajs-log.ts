/**
 * kafkajs's own console log lines, with one change: the answers of a group
 * coordinator that is still starting (a broker just started, or one that just
 * took over the group) are debug lines, not errors. They are transient and
 * kafkajs retries them by itself; a consumer that still cannot join in the end
 * crashes, and that is logged loudly by the listener.
 */
import { logLevel, type logCreator } from "kafkajs";

/** kafkajs's messages for the retriable coordinator errors (its protocol/error.js, codes 14 to 16). */
const COORDINATOR_STARTING = new Set([
	"The coordinator is loading and hence can't process requests for this group",
	"The group coordinator is not available",
	"This is not the correct coordinator for this group",
]);

const WRITERS: Record<number, (line: string) => void> = {
	[logLevel.ERROR]: (line) => console.error(line),
	[logLevel.WARN]: (line) => console.warn(line),
	[logLevel.INFO]: (line) => console.info(line),
	[logLevel.DEBUG]: (line) => console.log(line),
};

export const kafkajsLog: logCreator = (clientLevel) => ({ namespace, level, label, log }) => {
	const transient = level === logLevel.ERROR && COORDINATOR_STARTING.has(String((log as { error?: unknown }).error));
	const shown = transient ? logLevel.DEBUG : level;
	if (shown > clientLevel) return;
	const prefix = namespace ? `[${namespace}] ` : "";
	WRITERS[shown]?.(JSON.stringify({ level: transient ? "DEBUG" : label, ...log, message: `${prefix}${log.message}` }));
};
