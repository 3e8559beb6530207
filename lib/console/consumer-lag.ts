/**
 * Consumer lag per topic and consumer group, from Kafka's own offsets (the end
 * of each partition less the group's committed offset): what any node can read,
 * whichever nodes run the listeners. A partition the group never committed
 * counts from the start of the topic.
 */
import type { Admin } from "kafkajs";
import { withTimeout } from "../platform/support/timeout";

export interface WatchedGroup {
	topic: string;
	group: string;
}

export interface GroupLag extends WatchedGroup {
	/** Messages not yet consumed, all partitions together; null when Kafka did not answer. */
	lag: number | null;
	partitions: Array<{ partition: number; lag: number }>;
	error?: string;
}

const KAFKA_ANSWER_MS = 2_000;

async function lagOf(admin: Admin, { topic, group }: WatchedGroup): Promise<GroupLag> {
	const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
	const done = new Map(committed?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
	const partitions = ends
		.map((end) => {
			const at = done.get(end.partition) ?? -1;
			const from = at >= 0 ? at : Number(end.low);
			return { partition: end.partition, lag: Math.max(0, Number(end.high) - from) };
		})
		.sort((a, b) => a.partition - b.partition);
	return { topic, group, lag: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
}

/** Each group's lag; a group Kafka could not answer for within 2 s is reported with its error rather than failing the rest. */
export function consumerLag(admin: Admin, watched: WatchedGroup[]): Promise<GroupLag[]> {
	return Promise.all(
		watched.map((w) =>
			withTimeout(lagOf(admin, w), KAFKA_ANSWER_MS, "Kafka did not answer within 2 s").catch((err: Error) => ({ ...w, lag: null, partitions: [], error: err.message })),
		),
	);
}
