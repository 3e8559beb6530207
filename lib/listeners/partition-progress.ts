/**
 * What this node's consumer has handled of the partitions it holds, written as
 * watermarks (lib/listeners/watermarks.ts) for the parked sweep of every node:
 *   - after each chunk whose effects are durable, the latest Kafka timestamp in it;
 *   - on every tick, the time the tick began for each held partition that was at
 *     its end then (handled up to the high watermark read after that time): an
 *     idle or empty partition is caught up, and must not hold expiry back;
 *   - a row for every partition of the topic, so that a partition nobody has
 *     reported on yet holds expiry back instead of being overlooked.
 * Writes are coalesced: at most one statement in flight, covering every
 * partition noted meanwhile; never one per message.
 */
import type { Admin } from "kafkajs";
import type { Sequelize } from "sequelize";
import { recordWatermarks, type PartitionMark, type TopicConsumer } from "./watermarks";

export interface ProgressLogger {
	warn(...args: unknown[]): void;
}

export class PartitionProgress {
	private held = new Set<number>();
	/** Next offset to handle per partition, known from the chunks this node handled. */
	private readonly next = new Map<number, bigint>();
	private readonly pending = new Map<number, number | null>();
	private writing: Promise<void> | null = null;
	private partitionsSeen = 0;

	constructor(
		private readonly db: Sequelize,
		private readonly admin: Admin,
		private readonly consumer: TopicConsumer,
		/** CONSUMER_START: where the group starts on a partition it has no committed offset of. */
		private readonly fromBeginning: boolean,
		private readonly logger: ProgressLogger,
	) {}

	/** After a rebalance: the partitions this node holds now. */
	assigned(partitions: number[]): void {
		this.held = new Set(partitions);
	}

	/** A chunk of `partition` up to `lastOffset` has its effects durable; its latest message was stamped `latestMs`. */
	handled(partition: number, lastOffset: string, latestMs: number): void {
		const next = BigInt(lastOffset) + 1n;
		if (next > (this.next.get(partition) ?? -1n)) this.next.set(partition, next);
		this.note(partition, latestMs);
	}

	/** Marks the held partitions that are at their end as consumed through the tick's start. */
	async tick(): Promise<void> {
		if (this.held.size === 0) return;
		const asOf = Date.now();
		const ends = await this.admin.fetchTopicOffsets(this.consumer.topic);
		const committed = await this.committedOffsets();
		const newPartitions = ends.length !== this.partitionsSeen;
		for (const { partition, high, low } of ends) {
			const position = this.held.has(partition) ? (this.next.get(partition) ?? this.startOf(committed.get(partition), low, high)) : null;
			if (position !== null && position >= BigInt(high)) this.note(partition, asOf);
			else if (newPartitions) this.note(partition, null);
		}
		this.partitionsSeen = ends.length;
		await this.writing;
	}

	/** Waits for the write in flight. */
	async stop(): Promise<void> {
		await this.writing;
	}

	/** Committed offsets of the held partitions this node has handled nothing of yet (none asked otherwise). */
	private async committedOffsets(): Promise<Map<number, string>> {
		if ([...this.held].every((p) => this.next.has(p))) return new Map();
		const [entry] = await this.admin.fetchOffsets({ groupId: this.consumer.group, topics: [this.consumer.topic] });
		return new Map((entry?.partitions ?? []).map((p) => [p.partition, p.offset]));
	}

	/** Where the consumer reads from, going by the committed offset ("-1": none, so CONSUMER_START decides). */
	private startOf(committed: string | undefined, low: string, high: string): bigint {
		if (committed !== undefined && committed !== "-1") return BigInt(committed);
		return BigInt(this.fromBeginning ? low : high);
	}

	private note(partition: number, through: number | null): void {
		const before = this.pending.get(partition);
		this.pending.set(partition, through === null ? (before ?? null) : Math.max(before ?? through, through));
		this.writing ??= this.writeAll();
	}

	private async writeAll(): Promise<void> {
		while (this.pending.size > 0) {
			const marks: PartitionMark[] = [...this.pending].map(([partition, through]) => ({ partition, through }));
			this.pending.clear();
			try {
				await recordWatermarks(this.db, this.consumer, marks);
			} catch (err) {
				// Lower than the truth only delays an expiry; the next chunk or tick writes again.
				this.logger.warn(`recording the consumed watermarks of ${this.consumer.topic} failed: ${(err as Error).message}`);
			}
		}
		this.writing = null;
	}
}
