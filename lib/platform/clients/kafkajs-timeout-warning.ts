/**
 * kafkajs 2.2.4 (unmaintained) schedules its "throttled until" check with a
 * negative delay when it was never throttled; Node >= 24 then prints a
 * TimeoutNegativeWarning (kafkajs issue 1751). The timer still fires at once,
 * as kafkajs meant, so this one warning is noise: silenced, every other kept.
 * Called by createKafka, and the preflight, the two places kafkajs clients are made; once per process.
 */
let silenced = false;

export function silenceKafkajsTimeoutWarning(): void {
	if (silenced) return;
	silenced = true;
	const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
	process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
		const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
		if (type === "TimeoutNegativeWarning" || (warning as Error)?.name === "TimeoutNegativeWarning") return;
		emitWarning(warning, ...rest);
	}) as typeof process.emitWarning;
}
