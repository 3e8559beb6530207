/**
 * The REPL's `stuck [state]`: how many orders are stuck in each waiting state
 * and since when, then the oldest of them with what each waits for. It asks the
 * cluster's orders service (orders.stuckSummary, orders.stuck).
 */
import type { ServiceBroker } from "moleculer";
import { operand, print, type ReplCommand } from "../platform/repl/repl-command";
import type { StuckStateSummary } from "./stuck-orders-store";

const SHOWN = 20;

interface StuckPage {
	orders: Array<{ order_id: number; state: string; since: string; awaiting: string }>;
	next_cursor: string | null;
}


/** "3 h 12 min", "4 min 5 s", "12 s". */
export function age(fromIso: string, now = Date.now()): string {
	const seconds = Math.max(0, Math.floor((now - Date.parse(fromIso)) / 1000));
	if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
	if (seconds >= 60) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
	return `${seconds} s`;
}

async function showStuck(broker: ServiceBroker, state: string | undefined): Promise<void> {
	const { states } = await broker.call<{ states: StuckStateSummary[] }>("orders.stuckSummary");
	for (const s of states) print(`${s.state}: ${s.count} stuck${s.oldest_since ? `, the oldest for ${age(s.oldest_since)} (since ${s.oldest_since})` : ""}`);
	const page = await broker.call<StuckPage, { limit: number; state?: string }>("orders.stuck", { limit: SHOWN, ...(state ? { state } : {}) });
	if (page.orders.length > 0) print(`oldest first${page.next_cursor ? ` (the first ${SHOWN})` : ""}:`);
	for (const o of page.orders) print(`  order ${o.order_id}  ${o.state} for ${age(o.since)}  awaiting ${o.awaiting}`);
}

export const stuckReplCommand: ReplCommand = {
	command: "stuck [state]",
	description: "Count the stuck orders per waiting state and list the oldest (of one state: ORDER_CREATED, RESERVE_CREATED, PAYMENT_CREATED)",
	action: (broker, args) => {
		const state = operand(args, "state");
		return showStuck(broker, typeof state === "string" ? state : undefined);
	},
};
