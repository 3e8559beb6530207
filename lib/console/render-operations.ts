/** The stuck-order and dead-letter pages' fragments, with redrive and its audit trail. */
import type { RedrivenLetter } from "../dead-letters";
import { html, table, time, type Html } from "./html";
import { renderDeadLetterTable, type DeadLetterRow } from "./render-orders";

export interface StuckOrder {
	order_id: number;
	state: string;
	since: string;
	awaiting: string;
}

/** The next page's button; `query` holds the filters of this page (the cursor is added). */
const nextButton = (path: string, next: string | null, target: string, query: Record<string, string> = {}): Html | "" =>
	next ? html`<button class="next" hx-get="${path}?${new URLSearchParams({ ...query, cursor: next }).toString()}" hx-target="${target}">Next page</button>` : "";

export function renderStuck(orders: StuckOrder[], next: string | null, filters: Record<string, string>): Html {
	return html`${table(
		["order", "state", "since", "waiting for"],
		orders,
		(o) => html`<tr data-order="${o.order_id}"><td><a href="/console/orders/${o.order_id}">${o.order_id}</a></td><td><span class="state ${o.state}">${o.state}</span></td><td>${time(o.since)}</td><td>${o.awaiting}</td></tr>`,
		"No stuck orders.",
	)}${nextButton("/console/fragments/stuck", next, "#stuck", filters)}`;
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

/** A redrive as the dead-letter store reports it (the answer of a redrive, and each entry of its audit). */
export interface Redrive {
	redrive_id: number;
	who: string;
	at: string | Date;
	selector: object;
	letters: RedrivenLetter[];
	more?: boolean;
}

const outcomes = (r: Redrive): string => r.letters.map((l) => `${l.topic} ${l.partition}:${l.offset} ${l.outcome}${"reason" in l && l.reason ? ` (${l.reason})` : ""}`).join("; ");

export function renderDeadLetters(letters: DeadLetterRow[], next: string | null, done?: Redrive): Html {
	return html`${done === undefined ? "" : html`<p class="done" id="redriven">Redrive ${done.redrive_id}: ${done.letters.length} letter(s): ${outcomes(done)}${done.more ? " (more remain: redrive again)" : ""}</p>`}
<div class="actions">${redriveByReason(letters)}${redriveByOrder(letters)}</div>
${renderDeadLetterTable(letters, true)}${nextButton("/console/fragments/dead-letters", next, "#dead-letters")}`;
}

/** The audit of earlier redrives, newest first. */
export function renderRedrives(entries: Redrive[]): Html {
	return table(
		["redrive", "who", "at", "named", "letters"],
		entries,
		(r) => html`<tr><td class="num">${r.redrive_id}</td><td>${r.who}</td><td>${time(r.at)}</td><td><code>${JSON.stringify(r.selector)}</code></td><td>${outcomes(r) || "none"}</td></tr>`,
		"No redrives yet.",
	);
}
