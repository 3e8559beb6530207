/**
 * The relay's hold on its topic's slots (migration 0008): a PostgreSQL session
 * of its own whose advisory locks say which slots this relay publishes, and the
 * position it committed for each. While the session lives no other relay reads
 * those slots, so a batch needs no transaction: read (outbox_read), send, then
 * move the positions (outbox_advance). If the session ends (relay killed,
 * connection cut) the locks go with it and another relay (or this one,
 * reconnected) goes on from the committed positions: a batch sent but not
 * committed is sent again, never lost.
 */
import { Client } from "pg";
import type { Message } from "kafkajs";
import { messageValue } from "./message-value";
import { ensurePositions, OUTBOX_SLOTS, RELAY_APPLICATION_NAME } from "./outbox-store";

/** How long a read waits for the writers below the fence to end before it gives up for this turn. */
const FENCE_WAIT_MS = 1_000;
/** How often a relay holding only some slots tries for the others (freed by a relay that stopped). */
export const ACQUIRE_EVERY_MS = 100;
const NOT_HELD = "9223372036854775807";
const ALL_SLOTS = Array.from({ length: OUTBOX_SLOTS }, (_, slot) => slot);

export interface Batch {
	/** The slots the read covered. */
	slots: number[];
	/** In id order: per key, creation order. */
	messages: Message[];
	/** Every row of `slots` up to this id is in `messages`; null: nothing read (no slot held, or the fence not reached in time). */
	through: string | null;
	full: boolean;
}

/** outbox_read's batch as Kafka messages: the values of the rows in `payloadRows` are payloads still to encode. */
function batchMessages(keys: string[], values: string[], payloadRows: number[] | null): Message[] {
	const messages: Message[] = new Array(keys.length);
	for (let i = 0; i < keys.length; i++) messages[i] = { key: keys[i], value: values[i] };
	for (const row of payloadRows ?? []) messages[row].value = messageValue(values[row]);
	return messages;
}

const later = (a: string, b: string): string => (BigInt(a) >= BigInt(b) ? a : b);

export class SlotLease {
	private client: Client | null = null;
	/** Slot -> last id committed as sent, for the slots this session holds. */
	private readonly committed = new Map<number, string>();
	private lastAcquire = 0;
	/** Sent, its positions not moved yet: they move with the next read (same round trip), or by commitSent. */
	private sent: Batch | null = null;

	/** `onCommitted`: a sent batch's positions moved (its events count as published). */
	constructor(private readonly options: { databaseUrl: string; topic: string; batchSize: number; onCommitted?(count: number): void }) {}

	/** False while another relay holds some of the topic's slots: this one looks for them again soon. */
	get holdsEverySlot(): boolean {
		return this.committed.size === OUTBOX_SLOTS;
	}

	/** The batch went to Kafka: its positions move with the next read, or by commitSent. */
	markSent(batch: Batch): void {
		if (batch.through !== null && batch.messages.length > 0) this.sent = batch;
	}

	/**
	 * Reads the next batch: after the committed positions, or after `previous` (read,
	 * not yet committed: pipelining). Commits the batch marked sent first, in the same
	 * round trip: a commit of its own, queued on the session, would hold the read back.
	 */
	async read(previous: Batch | null): Promise<Batch> {
		// Taken before any await: a batch marked sent later is the next read's to commit.
		const sent = this.takeSent();
		const client = await this.session();
		await this.acquire(client);
		const slots = [...this.committed.keys()].sort((a, b) => a - b);
		if (slots.length === 0 && !sent) return { slots, messages: [], through: null, full: false };
		const after = ALL_SLOTS.map((slot) => {
			const committed = this.committed.get(slot);
			if (committed === undefined) return NOT_HELD;
			return previous?.through && previous.slots.includes(slot) ? later(committed, previous.through) : committed;
		});
		const { rows } = await client.query<[string | null, string | null, number[] | null, string]>({
			name: "outbox-read",
			text: "SELECT * FROM outbox_read($1, $2, $3, $4, $5, $6)",
			values: [this.options.topic, after, this.options.batchSize, FENCE_WAIT_MS, sent?.slots ?? null, sent?.through ?? null],
			rowMode: "array",
		});
		if (sent) this.noteCommitted(sent);
		if (rows.length === 0) return { slots, messages: [], through: null, full: false };
		const [keys, values, payloadRows, through] = rows[0];
		const messages = keys === null ? [] : batchMessages(JSON.parse(keys) as string[], (values as string).split("\n"), payloadRows);
		return { slots, messages, through, full: messages.length >= this.options.batchSize };
	}

	/** Commits the batch marked sent, if any, on its own (no read follows soon). */
	async commitSent(): Promise<void> {
		const sent = this.takeSent();
		if (!sent) return;
		const client = await this.session();
		await client.query({ name: "outbox-advance", text: "SELECT outbox_advance($1, $2, $3)", values: [this.options.topic, sent.slots, sent.through] });
		this.noteCommitted(sent);
	}

	private takeSent(): Batch | null {
		const sent = this.sent;
		this.sent = null;
		return sent;
	}

	/** Records a committed batch's positions in memory, and reports it. */
	private noteCommitted(batch: Batch): void {
		const through = batch.through as string;
		for (const slot of batch.slots) {
			const committed = this.committed.get(slot);
			if (committed !== undefined) this.committed.set(slot, later(committed, through));
		}
		this.options.onCommitted?.(batch.messages.length);
	}

	/**
	 * Ends the session (after a database error, or to stop): its slots are free for
	 * any relay, which goes on from the committed positions (a batch sent but not
	 * committed is sent again: at least once).
	 */
	async close(): Promise<void> {
		const client = this.client;
		this.client = null;
		this.sent = null;
		this.committed.clear();
		await client?.end().catch(() => undefined);
	}

	/**
	 * The relay's session. Its commits (position moves) do not wait for the WAL to
	 * reach the disk: one lost to a crash of PostgreSQL moves a position back, and its
	 * batch is sent again (at least once, as after a relay's crash); no event is lost.
	 */
	private async session(): Promise<Client> {
		if (this.client) return this.client;
		const client = new Client({ connectionString: this.options.databaseUrl, application_name: RELAY_APPLICATION_NAME, options: "-c jit=off -c synchronous_commit=off" });
		// An idle session that dies emits 'error': the next query fails and the relay closes it.
		client.on("error", () => undefined);
		try {
			await client.connect();
			await ensurePositions(client, this.options.topic);
		} catch (err) {
			await client.end().catch(() => undefined);
			throw err;
		}
		this.client = client;
		this.lastAcquire = 0;
		return client;
	}

	/** Takes the slots no relay holds, then reads their positions (after the locks, so a previous holder's last commit is seen). */
	private async acquire(client: Client): Promise<void> {
		if (this.holdsEverySlot || Date.now() - this.lastAcquire < ACQUIRE_EVERY_MS) return;
		this.lastAcquire = Date.now();
		const missing = ALL_SLOTS.filter((slot) => !this.committed.has(slot));
		const taken = await client.query<{ slot: number }>(
			"SELECT slot FROM unnest($1::smallint[]) AS slot WHERE pg_try_advisory_lock(hashtext('outbox ' || $2), slot)",
			[missing, this.options.topic],
		);
		if (taken.rows.length === 0) return;
		const { rows } = await client.query<{ slot: number; position: string }>(
			"SELECT slot, position FROM outbox_positions WHERE topic = $1 AND slot = ANY ($2::smallint[])",
			[this.options.topic, taken.rows.map((r) => r.slot)],
		);
		for (const { slot, position } of rows) this.committed.set(slot, position);
	}
}
