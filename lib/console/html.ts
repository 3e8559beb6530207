/**
 * HTML the console renders on the server: a tagged template that escapes every
 * value it is given, unless the value is itself rendered HTML. Nothing from the
 * database or the request reaches the page unescaped.
 */

export class Html {
	constructor(readonly text: string) {}
	toString(): string {
		return this.text;
	}
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => ESCAPES[c]);

function piece(value: unknown): string {
	if (value instanceof Html) return value.text;
	if (Array.isArray(value)) return value.map(piece).join("");
	if (value === null || value === undefined || value === false) return "";
	return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
	return new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? piece(values[i]) : ""), ""));
}

/**
 * A time the browser shows in its own zone, with UTC on hover (public/console.js).
 * An action called on this node answers a Date, one on another node its ISO text.
 */
export function time(at: string | Date | null | undefined): Html {
	if (!at) return html`<span class="muted">—</span>`;
	const iso = at instanceof Date ? at.toISOString() : at;
	return html`<time datetime="${iso}">${iso}</time>`;
}

/** A duration in the unit a person reads best. */
export function duration(ms: number | null | undefined): string {
	if (ms === null || ms === undefined) return "—";
	if (ms < 1_000) return `${Math.round(ms)} ms`;
	if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
	if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
	return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A table: a header row and one row per item; a line of its own when there is nothing. */
export function table<T>(headers: string[], rows: T[], row: (item: T) => Html, empty: string): Html {
	if (rows.length === 0) return html`<p class="muted">${empty}</p>`;
	return html`<table><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows.map(row)}</tbody></table>`;
}
