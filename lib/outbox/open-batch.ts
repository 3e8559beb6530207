/**
 * One claim of the relay as an open transaction on a connection of its own:
 * the rows it claimed and marked sent (lib/outbox/outbox-store.ts), then
 * `publish` (one send with acks from all in-sync replicas, then COMMIT) or
 * `abandon` (ROLLBACK: the rows stay unsent). Either ends the transaction and
 * gives the connection back; after a failure the pool drops it.
 */
import type { Message, Producer, TopicMessages } from "kafkajs";
import type { RawPgPool } from "../platform/clients/raw-pg-pool";
import { messageValue } from "./message-value";
import { openClaim, type Claim, type OutboxRow } from "./outbox-store";

/** One entry per topic, rows in claim (creation) order, keyed by the row's key. */
function topicMessages(rows: OutboxRow[]): TopicMessages[] {
	const byTopic = new Map<string, Message[]>();
	for (const row of rows) {
		let messages = byTopic.get(row.topic);
		if (!messages) byTopic.set(row.topic, (messages = []));
		messages.push({ key: row.message_key, value: messageValue(row.payload) });
	}
	return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

export interface OpenBatch {
	/** The claim was as large as allowed: more rows may wait. */
	full: boolean;
	/** Rows locked but waiting for an earlier event of their key. */
	held: number;
	/** Sends the ready rows and commits; answers what was published. `onSendFailed` runs when the send itself fails. */
	publish(producer: Producer, onSendFailed: () => Promise<void>): Promise<TopicMessages[]>;
	/** Rolls the claim back. */
	abandon(): Promise<void>;
}

/** A rollback by choice: the connection is fine and goes back to the pool. */
const ABANDONED = new Error("claim abandoned");

export async function openBatch(pool: RawPgPool, limit: number, topics: string[]): Promise<OpenBatch> {
	const client = await pool.connect();
	let broken: Error | undefined;
	// While the batch is on its way to Kafka the client is checked out and idle: a lost
	// connection is an 'error' event no pool listener sees, fatal unless caught here.
	const lost = (err: Error) => (broken ??= err);
	client.on("error", lost);
	/** Ends the transaction: a rollback after `failure`; a connection that failed leaves the pool. */
	const end = async (failure?: Error) => {
		if (failure) await client.query("ROLLBACK").catch((err: Error) => (broken ??= err));
		if (failure && failure !== ABANDONED) broken ??= failure;
		client.off("error", lost);
		pool.release(client, broken !== undefined);
	};
	let claim: Claim;
	try {
		claim = await openClaim(client, limit, topics);
	} catch (err) {
		await end(err as Error);
		throw err;
	}
	const { ready, held } = claim;
	return {
		full: ready.length + held >= limit,
		held,
		async publish(producer, onSendFailed) {
			const batch = topicMessages(ready);
			try {
				if (ready.length > 0) {
					await producer.sendBatch({ acks: -1, topicMessages: batch }).catch(async (err: unknown) => {
						await onSendFailed();
						throw err;
					});
				}
				await client.query("COMMIT");
			} catch (err) {
				await end(err as Error);
				throw err;
			}
			await end();
			return batch;
		},
		abandon: () => end(ABANDONED),
	};
}
