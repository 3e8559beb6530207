/**
 * The Go consumers shared ONE consumer group (default `orders`) for both
 * consumed topics; this service has one group per topic. Copying the Go
 * group's committed offsets to them makes consumption resume where the Go
 * service stopped instead of at the newest message.
 */
import type { Admin, Kafka } from "kafkajs";
import { ImportError } from "./import-error";

export interface OffsetTarget {
	topic: string;
	group: string;
}

export interface PartitionCopy {
	partition: number;
	/** The target group's committed offset before ("-1": none). */
	from: string;
	to: string;
}

export interface OffsetCopy extends OffsetTarget {
	sourceGroup: string;
	/** Partitions whose offset changes (or would, in a dry run). */
	changed: PartitionCopy[];
	/** Partitions the Go group committed on, already at the same offset. */
	unchanged: number;
}

/** Committed offsets of `group` on `topic`, partitions it never committed on left out. */
async function committed(admin: Admin, group: string, topic: string): Promise<Map<number, string>> {
	const [found] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
	return new Map((found?.partitions ?? []).filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, p.offset]));
}

/** setOffsets is refused while a group has members: they would overwrite it at their next commit anyway. */
async function requireNoMembers(admin: Admin, group: string): Promise<void> {
	const { groups } = await admin.describeGroups([group]);
	const members = groups[0]?.members.length ?? 0;
	if (members > 0) {
		throw new ImportError(`consumer group "${group}" has ${members} active member(s): stop this service's listeners before copying offsets to it`);
	}
}

export async function copyGroupOffsets(kafka: Kafka, sourceGroup: string, targets: readonly OffsetTarget[], dryRun: boolean): Promise<OffsetCopy[]> {
	const admin = kafka.admin();
	await admin.connect();
	try {
		const copies: OffsetCopy[] = [];
		for (const target of targets) {
			const source = await committed(admin, sourceGroup, target.topic);
			const before = await committed(admin, target.group, target.topic);
			const changed = [...source]
				.filter(([partition, offset]) => before.get(partition) !== offset)
				.map(([partition, offset]) => ({ partition, from: before.get(partition) ?? "-1", to: offset }));
			if (changed.length > 0 && !dryRun) {
				await requireNoMembers(admin, target.group);
				await admin.setOffsets({ groupId: target.group, topic: target.topic, partitions: changed.map((c) => ({ partition: c.partition, offset: c.to })) });
			}
			copies.push({ ...target, sourceGroup, changed, unchanged: source.size - changed.length });
		}
		return copies;
	} finally {
		await admin.disconnect();
	}
}
