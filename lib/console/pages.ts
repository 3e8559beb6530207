/**
 * The console's HTML pages: one shell per view, holding no data. Each view's
 * data comes in as fragments htmx loads from /console/fragments/..., with the
 * token the operator entered (public/console.js), so a page without a token
 * shows nothing.
 */
import { ORDER_STATES, TERMINAL_STATES } from "../../domain/order-state";
import { html, type Html } from "./html";

/** The states an order can be stuck in: those that wait for an answer. */
const WAITING = ORDER_STATES.filter((s) => !TERMINAL_STATES.has(s));

export type ConsoleView = "overview" | "orders" | "order" | "stuck" | "dead-letters";

/** A fragment loaded when the page opens and again every `everySeconds` (0: once). */
const live = (id: string, path: string, everySeconds: number): Html =>
	html`<div id="${id}" class="fragment" hx-get="${path}" hx-trigger="${everySeconds > 0 ? `load, every ${everySeconds}s` : "load"}"><p class="muted">Loading…</p></div>`;

function body(view: ConsoleView, orderId: number | null): Html {
	switch (view) {
		case "overview":
			return html`<h1>Overview</h1><section><h2>Orders per minute</h2><div id="chart"></div></section>${live("overview", "/console/fragments/overview", 2)}`;
		case "orders":
			return html`<h1>Orders</h1>
<form id="order-search" hx-get="/console/fragments/orders" hx-target="#orders">
	<label>Order id <input name="order_id" inputmode="numeric" size="10"></label>
	<label>User id <input name="user_id" inputmode="numeric" size="12"></label>
	<label>State <select name="state"><option value="">any</option>${ORDER_STATES.map((s) => html`<option>${s}</option>`)}</select></label>
	<button type="submit">Find</button>
</form>${live("orders", "/console/fragments/orders", 0)}`;
		case "order":
			return html`<p><a href="/console/orders">← Orders</a></p>${live("timeline", `/console/fragments/orders/${orderId}/timeline`, 3)}`;
		case "stuck":
			return html`<h1>Stuck orders</h1><p class="muted">Orders past their state's deadline, oldest first.</p>
<form id="stuck-filter" hx-get="/console/fragments/stuck" hx-target="#stuck">
	<label>Waiting in <select name="state"><option value="">any state</option>${WAITING.map((s) => html`<option>${s}</option>`)}</select></label>
	<button type="submit">Show</button>
</form>${live("stuck", "/console/fragments/stuck", 0)}`;
		case "dead-letters":
			return html`<h1>Dead letters</h1>
<form id="dead-letter-filter" hx-get="/console/fragments/dead-letters" hx-target="#dead-letters">
	<label>Topic <input name="topic" size="16"></label>
	<label>Reason <input name="reason" size="16"></label>
	<label>Order id <input name="order_id" inputmode="numeric" size="10"></label>
	<button type="submit">Filter</button>
</form>${live("dead-letters", "/console/fragments/dead-letters", 0)}
<h2>Redrives</h2>${live("redrives", "/console/fragments/dead-letters/redrives", 5)}`;
	}
}

const NAV: Array<[ConsoleView, string, string]> = [
	["overview", "/console", "Overview"],
	["orders", "/console/orders", "Orders"],
	["stuck", "/console/stuck", "Stuck"],
	["dead-letters", "/console/dead-letters", "Dead letters"],
];

/** A whole page; `authOn` tells the browser to ask for a token before loading any data. */
export function consolePage(view: ConsoleView, authOn: boolean, orderId: number | null = null): string {
	const current = view === "order" ? "orders" : view;
	return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Orders console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/uPlot.min.css"><link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/htmx.min.js" defer></script><script src="/console/assets/uPlot.iife.min.js" defer></script><script src="/console/assets/console.js" defer></script>
</head><body data-auth="${authOn ? "on" : "off"}">
<header><strong>Orders saga</strong><nav>${NAV.map(([v, href, label]) => html`<a href="${href}" class="${v === current ? "current" : ""}">${label}</a>`)}</nav>
<form id="token-form"><input id="token" type="password" placeholder="operator token" autocomplete="off" size="24"><button type="submit">Use token</button><button type="button" id="forget-token">Forget</button></form></header>
<div id="notice" role="status" hidden></div>
<main>${body(view, orderId)}</main>
</body></html>`.text}`;
}
