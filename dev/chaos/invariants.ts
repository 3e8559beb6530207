/**
 * The verdict of a run: every invariant checked over facts read from the
 * database and the topics (and the clients' record of their 201s). Pure, so a
 * broken invariant can be shown to fail with made-up facts.
 */
import { isTerminalChain, TERMINAL_CHAINS } from "../cluster/order-histories";
import { TERMINAL_STATES, type OrderState } from "../../domain/order-state";

export interface Facts {
	/** What clients were answered 201 with. */
	created: Array<{ key: string; orderId: number }>;
	/** Orders in the database, each with its states oldest first. */
	orders: Array<{ orderId: number; key: string | null; states: OrderState[] }>;
	/** applied_messages rows. */
	applied: Array<{ orderId: number; key: string; state: OrderState }>;
	/** Outbox rows of the order topic. */
	outbox: Array<{ orderId: number; key: string; sent: boolean }>;
	/** Messages read back from the order topic. */
	published: Array<{ orderId: number; key: string }>;
	/** Messages read back from the consumed topics, and the state each one records. */
	consumed: Array<{ orderId: number; key: string; state: OrderState }>;
	deadLetters: Array<{ orderId: number | null; key: string | null; reason: string }>;
	parked: number;
	/** REST answers by status (numbers) and network errors by code. */
	answers: Record<string, number>;
}

export interface Check {
	name: string;
	ok: boolean;
	/** Up to a few offending items, to start the investigation from. */
	detail: string;
}

export interface Judgement {
	checks: Check[];
	lost: number;
	doubled: number;
	publishedDuplicates: number;
}

/** What REST may answer: a 500 or any other 5xx but 503 means a failure leaked to the client. */
const allowedStatus = (status: number) => status === 200 || status === 201 || status === 503 || (status >= 400 && status < 500);

const SHOWN = 5;
export const check = (name: string, offending: unknown[]): Check => ({
	name,
	ok: offending.length === 0,
	detail: offending.length === 0 ? "" : `${offending.length}: ${JSON.stringify(offending.slice(0, SHOWN))}`,
});
const countBy = <T>(items: T[], key: (item: T) => string): Map<string, number> => {
	const counts = new Map<string, number>();
	for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
	return counts;
};
const isPrefixOfChain = (states: OrderState[]) => TERMINAL_CHAINS.some((chain) => states.every((s, i) => chain[i] === s));

export function judge(facts: Facts): Judgement {
	const byKey = countBy(facts.orders, (o) => o.key ?? "");
	const orderOfKey = new Map(facts.orders.map((o) => [o.key, o.orderId]));
	const lost = facts.created.filter((c) => orderOfKey.get(c.key) !== c.orderId);
	const doubledOrders = [...byKey].filter(([key, n]) => key === "" || n > 1);
	const doubledStates = facts.orders.filter((o) => new Set(o.states).size !== o.states.length);
	const appliedPerOrder = countBy(facts.applied, (a) => String(a.orderId));
	const appliedMismatch = facts.orders.filter((o) => o.states.length - 1 !== (appliedPerOrder.get(String(o.orderId)) ?? 0));

	// The simulated peers answer every order; the terminal state they answered is where its saga must end.
	const answeredEnd = new Map(facts.consumed.filter((m) => TERMINAL_STATES.has(m.state)).map((m) => [m.orderId, m.state]));
	const unanswered = facts.orders.filter((o) => !answeredEnd.has(o.orderId));
	const unfinished = facts.orders.filter((o) => answeredEnd.has(o.orderId) && !(isTerminalChain(o.states) && o.states.at(-1) === answeredEnd.get(o.orderId)));
	const offChain = facts.orders.filter((o) => !isPrefixOfChain(o.states));

	const outboxPerOrder = countBy(facts.outbox, (e) => String(e.orderId));
	const withoutEvent = facts.orders.filter((o) => outboxPerOrder.get(String(o.orderId)) !== 1);
	const publishedKeys = countBy(facts.published, (p) => p.key);
	const unpublished = facts.outbox.filter((e) => !publishedKeys.has(e.key));

	const appliedKeys = new Map(facts.applied.map((a) => [`${a.orderId}:${a.key}`, a.state]));
	const deadKeys = new Set(facts.deadLetters.map((d) => d.key));
	const consumedKeys = new Set(facts.consumed.map((m) => `${m.orderId}:${m.key}`));
	const unapplied = facts.consumed.filter((m) => appliedKeys.get(`${m.orderId}:${m.key}`) !== m.state && !deadKeys.has(m.key));
	const appliedFromNowhere = facts.applied.filter((a) => !consumedKeys.has(`${a.orderId}:${a.key}`));
	const badAnswers = Object.entries(facts.answers).filter(([status]) => /^\d+$/.test(status) && !allowedStatus(Number(status)));

	return {
		lost: lost.length,
		doubled: doubledOrders.length + doubledStates.length + appliedMismatch.length,
		publishedDuplicates: facts.published.length - publishedKeys.size,
		checks: [
			check("the run created orders", facts.created.length === 0 ? ["no create answered 201"] : []),
			check("every create answered 201 exists exactly once", [...lost, ...doubledOrders]),
			check("every order starts with ORDER_CREATED and follows a contract chain", offChain.map((o) => ({ order: o.orderId, states: o.states }))),
			check("no state twice; one applied message per state", [...doubledStates, ...appliedMismatch].map((o) => ({ order: o.orderId, states: o.states }))),
			check("every order answered by its peers", unanswered.map((o) => o.orderId)),
			check("every answered order reached the terminal state its peers answered", unfinished.map((o) => ({ order: o.orderId, states: o.states, answered: answeredEnd.get(o.orderId) }))),
			check("every order has one outbox event", withoutEvent.map((o) => o.orderId)),
			check("every outbox row sent", facts.outbox.filter((e) => !e.sent)),
			check("every order event on Kafka at least once", unpublished),
			check("every consumed message applied once or dead-lettered", [...unapplied, ...appliedFromNowhere]),
			// Every fault of the run is one a healthy service rides out: any dead letter is a valid message refused.
			check("no dead letters", facts.deadLetters.map((d) => ({ order: d.orderId, reason: d.reason }))),
			check("no message left parked", facts.parked > 0 ? [facts.parked] : []),
			check("REST answered only 200/201/4xx/503", badAnswers),
		],
	};
}
