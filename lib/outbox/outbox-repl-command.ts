/** The REPL's `outbox`: the backlog the outbox-relay service reports. */
import { print, type ReplCommand } from "../platform/repl/repl-command";

export const outboxReplCommand: ReplCommand = {
	command: "outbox",
	description: "Show the outbox backlog and the age of its oldest unsent event",
	async action(broker) {
		const backlog = await broker.call<{ unsent: number; oldest_unsent_age_ms: number | null }>("outbox-relay.backlog");
		const age = backlog.oldest_unsent_age_ms === null ? "-" : `${(backlog.oldest_unsent_age_ms / 1000).toFixed(1)} s`;
		print(`outbox: ${backlog.unsent} unsent event(s), oldest unsent ${age}`);
	},
};
