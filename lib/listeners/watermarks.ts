/**
 * consumer_watermarks (migration 0003): per topic, consumer group and partition,
 * the time up to which the group has consumed the partition. Written by the
 * listeners (lib/listeners/partition-progress.ts), read by the parked sweep.
 * A watermark only moves forward: a late or lost write makes it lower than the
 * truth, which only delays an expiry.
 */
import { QueryTypes, type Sequelize } from "sequelize";

/** A partition's new watermark in ms since the epoch; null only records that the partition exists. */
export interface PartitionMark {
	partition: number;
	through: number | null;
}

/** One consumer group of one topic. */
export interface TopicConsumer {
	topic: string;
	group: string;
}

/** One statement for any number of partitions of one topic and group. */
export async function recordWatermarks(db: Sequelize, consumer: TopicConsumer, marks: PartitionMark[]): Promise<void> {
	if (marks.length === 0) return;
	await db.query(
		`INSERT INTO consumer_watermarks AS w (topic, consumer_group, partition, consumed_through)
		 SELECT $1, $2, x.partition, x.through FROM unnest($3::integer[], $4::timestamptz[]) AS x(partition, through)
		 ON CONFLICT (topic, consumer_group, partition)
		 DO UPDATE SET consumed_through = excluded.consumed_through, updated_at = now()
		 WHERE excluded.consumed_through > w.consumed_through`,
		{
			bind: [
				consumer.topic,
				consumer.group,
				marks.map((m) => m.partition),
				marks.map((m) => (m.through === null ? "-infinity" : new Date(m.through).toISOString())),
			],
		},
	);
}

/**
 * The least watermark over the partitions of each consumer, in the order asked;
 * null for a consumer that has recorded nothing (or a partition it has told nothing of).
 */
export async function readConsumedThrough(db: Sequelize, consumers: TopicConsumer[]): Promise<Array<Date | null>> {
	const rows = await db.query<{ topic: string; consumer_group: string; through: Date | string | null }>(
		`SELECT topic, consumer_group, nullif(min(consumed_through), '-infinity') AS through
		   FROM consumer_watermarks
		  WHERE (topic, consumer_group) IN (SELECT * FROM unnest($1::text[], $2::text[]))
		  GROUP BY topic, consumer_group`,
		{ bind: [consumers.map((c) => c.topic), consumers.map((c) => c.group)], type: QueryTypes.SELECT },
	);
	return consumers.map((c) => {
		const through = rows.find((r) => r.topic === c.topic && r.consumer_group === c.group)?.through ?? null;
		return through === null ? null : new Date(through);
	});
}
