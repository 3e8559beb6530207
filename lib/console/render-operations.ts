/** The stuck-order and dead-letter pages' fragments, with redrive and its audit trail. */
import { html, table, time, type Html } from "./html";
import { renderDeadLetterTable, type DeadLetterRow } from "./render-orders";

export interface StuckOrder {
	order_id: number;
	state: string;
	since: string;
	awaiting: string;
}

const nextButton = (path: string, next: string | null, target: string): Html | "" =>
	next ? html`<button class="next" hx-get="${path}?cursor=${encodeURIComponent(next)}" hx-target="${target}">Next page</button>` : "";

export function renderStuck(orders: StuckOrder[], next: string | null): Html {
	return html`${table(
		["order", "state", "since", "waiting for"],
		orders,
		(o) => html`<tr data-order="${o.order_id}"><td><a href="/console/orders/${o.order_id}">${o.order_id}</a></td><td><span class="state ${o.state}">${o.state}</span></td><td>${time(o.since)}</td><td>${o.awaiting}</td></tr>`,
		"No stuck orders.",
	)}${nextButton("/console/fragments/stuck", next, "#stuck")}`;
}

/** Distinct reasons of the page, each with a redrive of all its letters on that topic. */
function redriveByReason(letters: DeadLetterRow[]): Html {
	const pairs = [...new Map(letters.map((d) => [`${d.topic}\u0000${d.reason}`, { topic: d.topic, reason: d.reason }])).values()];
	return html`${pairs.map(
		(p) =>
			html`<button class="redrive-reason" hx-post="/console/fragments/dead-letters/redrive" hx-vals="${JSON.stringify(p)}" hx-confirm="Redrive every letter of ${p.topic} dead-lettered as ${p.reason}?" hx-target="#dead-letters">Redrive all ${p.reason} of ${p.topic}</button> `,
	)}`;
}

/** Distinct orders of the page, each with a redrive of all its letters. */
function redriveByOrder(letters: DeadLetterRow[]): Html {
	const orders = [...new Set(letters.map((d) => d.order_id).filter((id): id is number => id !== null))];
	return html`${orders.map(
		(id) => html`<button class="redrive-order" hx-post="/console/fragments/dead-letters/redrive" hx-vals="${JSON.stringify({ order_id: id })}" hx-confirm="Redrive every letter of order ${id}?" hx-target="#dead-letters">Redrive all of order ${id}</button> `,
	)}`;
}

export function renderDeadLetters(letters: DeadLetterRow[], next: string | null, done?: unknown): Html {
	return html`${done === undefined ? "" : html`<p class="done" id="redriven">Redriven: <code>${JSON.stringify(done)}</code></p>`}
<div class="actions">${redriveByReason(letters)}${redriveByOrder(letters)}</div>
${renderDeadLetterTable(letters, true)}${nextButton("/console/fragments/dead-letters", next, "#dead-letters")}`;
}

/** The audit of earlier redrives, whatever fields each entry has (the dead-letter store defines them). */
export function renderRedrives(entries: Array<Record<string, unknown>>): Html {
	const headers = [...new Set(entries.flatMap((e) => Object.keys(e)))];
	const cell = (value: unknown) => (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value) ? time(value) : typeof value === "object" && value !== null ? JSON.stringify(value) : String(value ?? ""));
	return table(headers, entries, (e) => html`<tr>${headers.map((h) => html`<td>${cell(e[h])}</td>`)}</tr>`, "No redrives yet.");
}
