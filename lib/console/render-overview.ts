/**
 * The overview fragment: the figures of orders.overview as HTML, and the
 * per-minute series as JSON for the chart (public/console.js draws it with uPlot).
 */
import type { GroupLag } from "./consumer-lag";
import type { MinuteCounts, SagaDurations } from "./overview-store";
import type { OutboxBacklog } from "../outbox";
import { duration, html, table, time, type Html } from "./html";

export interface Overview {
	window_minutes: number;
	per_minute: MinuteCounts[];
	saga_duration: SagaDurations;
	outbox: OutboxBacklog;
	consumer_lag: GroupLag[] | null;
	stuck: { states: Array<{ state: string; count: number; oldest_since: string }> } | { error: string } | null;
	dead_letters: { counts: Array<{ topic: string; reason: string; count: number }> } | { error: string } | null;
	nodes: Array<{ id: string; available: boolean; services: string[] }>;
	at: string;
}

const notRunning = (what: string) => html`<p class="muted">No node runs ${what}.</p>`;

function stuckPart(stuck: Overview["stuck"]): Html {
	if (!stuck) return notRunning("the stuck-order summary");
	if ("error" in stuck) return html`<p class="error">${stuck.error}</p>`;
	return table(["state", "orders", "stuck since"], stuck.states, (s) => html`<tr><td>${s.state}</td><td class="num" data-stuck="${s.state}">${s.count}</td><td>${time(s.oldest_since)}</td></tr>`, "No stuck orders.");
}

function deadLetterPart(letters: Overview["dead_letters"]): Html {
	if (!letters) return notRunning("the dead-letter summary");
	if ("error" in letters) return html`<p class="error">${letters.error}</p>`;
	return table(["topic", "reason", "letters"], letters.counts, (c) => html`<tr><td>${c.topic}</td><td>${c.reason}</td><td class="num">${c.count}</td></tr>`, "No dead letters.");
}

function lagPart(lag: GroupLag[] | null): Html {
	if (!lag) return html`<p class="muted">Kafka did not answer.</p>`;
	return table(
		["topic", "group", "lag", "per partition"],
		lag,
		(g) => html`<tr><td>${g.topic}</td><td>${g.group}</td><td class="num" data-lag="${g.topic}">${g.lag ?? g.error}</td><td>${g.partitions.map((p) => `${p.partition}: ${p.lag}`).join(", ")}</td></tr>`,
		"No consumed topics.",
	);
}

export function renderOverview(o: Overview): Html {
	const last = o.per_minute.at(-1);
	const total = (key: "created" | "completed" | "failed") => o.per_minute.reduce((sum, m) => sum + m[key], 0);
	const series = { t: o.per_minute.map((m) => Date.parse(m.minute) / 1000), created: o.per_minute.map((m) => m.created), completed: o.per_minute.map((m) => m.completed), failed: o.per_minute.map((m) => m.failed) };
	return html`
<div id="per-minute" hidden data-series="${JSON.stringify(series)}"></div>
<div class="cards">
	<div class="card"><h3>Created</h3><b id="created-total">${total("created")}</b><small>last ${o.window_minutes} min · ${last?.created ?? 0} this minute</small></div>
	<div class="card"><h3>Completed</h3><b id="completed-total">${total("completed")}</b><small>last ${o.window_minutes} min · ${last?.completed ?? 0} this minute</small></div>
	<div class="card"><h3>Failed</h3><b id="failed-total">${total("failed")}</b><small>last ${o.window_minutes} min · ${last?.failed ?? 0} this minute</small></div>
	<div class="card"><h3>Saga p50 / p99</h3><b id="saga-duration">${duration(o.saga_duration.p50_ms)} / ${duration(o.saga_duration.p99_ms)}</b><small>${o.saga_duration.ended} sagas ended in ${o.window_minutes} min</small></div>
	<div class="card"><h3>Outbox backlog</h3><b id="outbox-unsent">${o.outbox.unsent}</b><small>oldest unsent: ${duration(o.outbox.oldest_unsent_age_ms)}</small></div>
</div>
<div class="grid">
	<section><h2>Consumer lag</h2>${lagPart(o.consumer_lag)}</section>
	<section><h2>Stuck orders</h2>${stuckPart(o.stuck)}</section>
	<section><h2>Dead letters</h2>${deadLetterPart(o.dead_letters)}</section>
	<section><h2>Nodes</h2>${table(["node", "services"], o.nodes, (n) => html`<tr class="${n.available ? "" : "muted"}"><td>${n.id}</td><td>${n.services.join(", ")}</td></tr>`, "No nodes.")}</section>
</div>
<p class="muted small">Figures of ${time(o.at)}.</p>`;
}
