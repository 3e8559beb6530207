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

/** An error message of a coordinator that is still starting (retriable: kafkajs retries, or restarts the consumer). */
export const isCoordinatorStarting = (message: string): boolean => [...COORDINATOR_STARTING].some((known) => message.includes(known));

/** Groups whose consumer crashed on a starting coordinator: kafkajs's "Restarting the consumer" line that follows is transient too. */
const restartingAfterCoordinator = new Set<unknown>();

/** Groups whose consumer this process is closing: a crash it raises then (its connections close under it) is expected. */
const closingGroups = new Set<unknown>();

/** The listener is about to close this group's consumer (until `groupOpening`). */
export const groupClosing = (groupId: string): void => void closingGroups.add(groupId);
/** The listener starts this group's consumer again: its crashes are news again. */
export const groupOpening = (groupId: string): void => void closingGroups.delete(groupId);

/** A coordinator's answer, a consumer crash on it (`Crash: KafkaJSProtocolError: <message>`) or while its group closes, or the restart that follows. */
function isTransient(log: { message?: unknown; error?: unknown; groupId?: unknown }): boolean {
	if (log.error !== undefined) return COORDINATOR_STARTING.has(String(log.error));
	const message = String(log.message);
	if (message.startsWith("Crash: ") && closingGroups.has(log.groupId)) return true;
	if (message.startsWith("Crash: ") && isCoordinatorStarting(message)) {
		restartingAfterCoordinator.add(log.groupId);
		return true;
	}
	if (message.startsWith("Restarting the consumer")) return restartingAfterCoordinator.delete(log.groupId);
	return false;
}

export const kafkajsLog: logCreator = (clientLevel) => ({ namespace, level, label, log }) => {
	const transient = level === logLevel.ERROR && isTransient(log as { message?: unknown; error?: unknown; groupId?: unknown });
	const shown = transient ? logLevel.DEBUG : level;
	if (shown > clientLevel) return;
	const prefix = namespace ? `[${namespace}] ` : "";
	WRITERS[shown]?.(JSON.stringify({ level: transient ? "DEBUG" : label, ...log, message: `${prefix}${log.message}` }));
};
