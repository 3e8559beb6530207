/**
 * REPL commands over the dead_letters table (through the `state` service's
 * actions): list, redrive one letter, an order's or a reason's letters, and
 * read the audit. A REPL redrive is audited as `repl <os user>@<host>`.
 */
import { hostname, userInfo } from "node:os";
import type { ServiceBroker } from "moleculer";
import { operand, option, print, type ReplCommand } from "../platform/repl/repl-command";
import type { DeadLetterMeta, ListedLetter } from "./dead-letter-api";
import type { RedrivenLetter } from "./dead-letter-store";

interface RedriveAnswer {
	redrive_id: number;
	who: string;
	at: string;
	letters: RedrivenLetter[];
	more?: boolean;
}

const excerpt = (text: string | null, width = 80): string => {
	const shown = text ?? "(null)";
	return shown.length > width ? `${shown.slice(0, width - 1)}…` : shown;
};

const meta = (): DeadLetterMeta => ({ who: `repl ${userInfo().username}@${hostname()}` });

const outcomeText = (l: RedrivenLetter) => `${l.outcome}${l.reason ? ` (${l.reason})` : ""}`;

function printRedrive(answer: RedriveAnswer): void {
	print(`redrive ${answer.redrive_id}: ${answer.letters.length} letter(s) re-driven${answer.more ? " (more are left: run it again)" : ""}`);
	for (const l of answer.letters) {
		print(`  ${l.topic} [${l.partition}/${l.offset}] order ${l.order_id ?? "-"} (was ${l.dead_letter_reason}): ${outcomeText(l)}`);
	}
}

/** `topicOf` names a consumed topic from `reserve`, `payment` or a topic name. */
export function deadLetterCommands(topicOf: (name: string) => string): ReplCommand[] {
	const redrive = async (broker: ServiceBroker, params: object) =>
		printRedrive(await broker.call<RedriveAnswer, object>("state.redrive", params, { meta: meta() }));
	return [
		{
			command: "dead-letters <topic>",
			alias: ["dlq"],
			description: "List the dead letters of a consumed topic (reserve, payment or a topic name), newest first",
			options: [
				{ option: "--reason <reason>", description: "only this reason" },
				{ option: "--order <order_id>", description: "only this order's" },
				{ option: "--status <status>", description: "dead (default: not redriven yet, or rejected again), redriven or all" },
			],
			async action(broker, args) {
				const topic = topicOf(String(operand(args, "topic")));
				const params = { topic, reason: option(args, "reason"), order_id: option(args, "order"), status: option(args, "status"), limit: 500 };
				const { dead_letters } = await broker.call<{ dead_letters: ListedLetter[] }, object>("state.deadLetters", params, { meta: meta() });
				print(`${dead_letters.length} dead letter(s) of ${topic}`);
				for (const l of dead_letters) {
					const redriven = l.redrive ? `  (redriven: ${l.redrive.outcome}${l.redrive.reason ? ` ${l.redrive.reason}` : ""})` : "";
					print(`  [${l.partition}/${l.offset}] ${l.reason}: ${l.error}  order ${l.order_id ?? "-"}${redriven}`);
					print(`      key ${excerpt(l.message.key, 30)}  value ${excerpt(l.message.value)}`);
				}
			},
		},
		{
			command: "redrive <topic> <partition> <offset>",
			description: "Apply the dead letter consumed at <partition>/<offset> of <topic> again (after a fix); a second redrive changes nothing",
			async action(broker, args) {
				const [partition, offset] = [Number(operand(args, "partition")), String(operand(args, "offset"))];
				await redrive(broker, { topic: topicOf(String(operand(args, "topic"))), partition, offset });
			},
		},
		{
			command: "redrive-order <order_id>",
			description: "Apply every dead letter of an order again",
			async action(broker, args) {
				await redrive(broker, { order_id: String(operand(args, "order_id")) });
			},
		},
		{
			command: "redrive-reason <topic> <reason>",
			description: "Apply every dead letter of a topic with that reason again (at most 1,000 per run)",
			async action(broker, args) {
				await redrive(broker, { topic: topicOf(String(operand(args, "topic"))), reason: String(operand(args, "reason")) });
			},
		},
		{
			command: "redrives",
			description: "The audit of the last redrives: who, when, which letters, what became of each",
			async action(broker) {
				const { redrives } = await broker.call<{ redrives: RedriveAnswer[] }, object>("state.redrives", { limit: 20 }, { meta: meta() });
				for (const r of redrives) {
					print(`${r.at}  ${r.who}`);
					printRedrive(r);
				}
			},
		},
	];
}
