/**
 * The Go service wrote `timestamp without time zone` columns in its own clock,
 * which was UTC. They are read as PostgreSQL's text and turned into one
 * canonical UTC spelling, microseconds kept (a JavaScript Date would drop them),
 * so the same instant always compares equal as text.
 */
const PLAIN_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/;

/** "2024-01-02 03:04:05.5" -> "2024-01-02T03:04:05.500000Z"; null for what is not such a time (infinity, BC). */
export function utcFromPlainTimestamp(text: string): string | null {
	const match = PLAIN_TIMESTAMP.exec(text.trim());
	if (!match) return null;
	const [, date, time, fraction = ""] = match;
	const iso = `${date}T${time}.${fraction.padEnd(6, "0")}Z`;
	// Rejects impossible calendar values such as 2024-02-30 (Date would roll them over).
	const parsed = new Date(`${date}T${time}Z`);
	return Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 19) !== `${date}T${time}` ? null : iso;
}
