/** The orders list and one order's timeline, as console fragments. */
import type { ListedLetter } from "../dead-letters";
import type { OrderSummary } from "../../domain/order-view";
import type { OrderTimeline } from "./timeline-store";
import { duration, html, table, time, type Html } from "./html";

/** A dead letter as the dead-letter store lists it (GET /api/dead-letters). */
export type DeadLetterRow = ListedLetter;

const orderLink = (id: number) => html`<a href="/console/orders/${id}">${id}</a>`;

/** A page of orders; `next` is the query of the next page (null on the last). */
export function renderOrderList(orders: OrderSummary[], next: string | null): Html {
	return html`${table(
		["order", "user", "state", "created", "description"],
		orders,
		(o) => html`<tr><td>${orderLink(o.order_id)}</td><td>${o.user_id}</td><td><span class="state ${o.state}">${o.state}</span></td><td>${time(o.created_at)}</td><td>${o.description}</td></tr>`,
		"No orders match.",
	)}${next ? html`<button class="next" hx-get="/console/fragments/orders?${next}" hx-target="#orders">Next page</button>` : ""}`;
}

export function renderDeadLetterTable(letters: DeadLetterRow[], redrive: boolean): Html {
	return table(
		["topic", "partition", "offset", "reason", "error", "order", "at", ...(redrive ? [""] : [])],
		letters,
		(d) => html`<tr><td>${d.topic}</td><td class="num">${d.partition}</td><td class="num">${d.offset}</td><td>${d.reason}</td><td class="error">${d.error}</td><td>${d.order_id === null ? "" : orderLink(d.order_id)}</td><td>${time(d.at)}</td>${
			redrive
				? html`<td><button class="redrive-one" hx-post="/console/fragments/dead-letters/redrive" hx-vals="${JSON.stringify({ topic: d.topic, partition: d.partition, offset: d.offset })}" hx-confirm="Redrive the letter ${d.topic} ${d.partition}:${d.offset}?" hx-target="#dead-letters">Redrive</button></td>`
				: ""
		}</tr>`,
		"No dead letters.",
	);
}

/** The timeline: states with the time each took, the outbox events, applied, parked and dead-lettered messages, and what comes next. */
export function renderTimeline(t: OrderTimeline & { ended: boolean; awaiting: string }, deadLetters: DeadLetterRow[] | null): Html {
	return html`
<h2>Order ${t.order_id} <span class="state ${t.state}">${t.state}</span></h2>
<p>User ${t.user_id} · created ${time(t.created_at)} · ${t.description}</p>
<p class="${t.ended ? "muted" : "awaiting"}" id="awaiting">Waiting for ${t.awaiting}.</p>
<section><h3>States</h3>
<ol class="timeline" id="states">${t.states.map(
		(s) => html`<li data-state="${s.state}"><span class="state ${s.state}">${s.state}</span> ${time(s.time)}${s.after_ms === null ? "" : html` <small>+${duration(s.after_ms)}</small>`}</li>`,
	)}</ol></section>
<section><h3>Order event (outbox)</h3>${table(
		["topic", "written", "sent"],
		t.outbox,
		(e) => html`<tr><td>${e.topic}</td><td>${time(e.created_at)}</td><td>${e.sent_at ? time(e.sent_at) : html`<span class="awaiting">not yet</span>`}</td></tr>`,
		"No event in the outbox (it is deleted once sent and past OUTBOX_RETENTION_MS).",
	)}</section>
<section id="applied"><h3>Messages applied</h3>${table(
		["state", "topic", "partition", "offset", "idempotency key", "applied"],
		t.applied,
		(a) => html`<tr><td>${a.state}</td><td>${a.topic ?? "—"}</td><td class="num">${a.partition ?? "—"}</td><td class="num">${a.offset ?? "—"}</td><td><code>${a.idempotent_key}</code></td><td>${time(a.applied_at)}</td></tr>`,
		"None (applied keys are pruned after APPLIED_KEY_RETENTION_MS).",
	)}</section>
<section><h3>Messages parked</h3>${table(
		["state", "topic", "partition", "offset", "idempotency key", "parked"],
		t.parked,
		(p) => html`<tr><td>${p.state}</td><td>${p.topic}</td><td class="num">${p.partition}</td><td class="num">${p.offset}</td><td><code>${p.idempotent_key}</code></td><td>${time(p.parked_at)}${p.claimed ? " (being dead-lettered)" : ""}</td></tr>`,
		"None.",
	)}</section>
<section><h3>Dead letters</h3>${deadLetters === null ? html`<p class="muted">No node runs the dead-letter store.</p>` : renderDeadLetterTable(deadLetters, false)}</section>`;
}
