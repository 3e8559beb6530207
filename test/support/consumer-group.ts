/**
 * What the Kafka group coordinator says about a consumer group: its members
 * (listener client IDs end with the node ID) and the partitions each holds, and
 * how far the group has committed compared with the end of the topic.
 */
import { AssignerProtocol, type Kafka } from "kafkajs";
import { withAdmin } from "../../dev/cluster/kafka-admin";

export interface GroupMember {
	memberId: string;
	clientId: string;
	partitions: number[];
}

export interface GroupView {
	state: string;
	members: GroupMember[];
}

export function describeGroup(kafka: Kafka, groupId: string, topic: string): Promise<GroupView> {
	return withAdmin(kafka, async (admin) => {
		const { groups } = await admin.describeGroups([groupId]);
		const group = groups[0];
		const members = group.members.map((m) => ({
			memberId: m.memberId,
			clientId: m.clientId,
			partitions: [...(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [])].sort((a, b) => a - b),
		}));
		return { state: group.state, members };
	});
}

/** The member whose client belongs to the node `nodeId`. */
export const memberOf = (view: GroupView, nodeId: string): GroupMember | undefined => view.members.find((m) => m.clientId.endsWith(`-${nodeId}`));

/** Per partition: the group's committed offset and the topic's end offset. */
export function groupLag(kafka: Kafka, groupId: string, topic: string): Promise<Array<{ partition: number; committed: number; end: number }>> {
	return withAdmin(kafka, async (admin) => {
		const ends = await admin.fetchTopicOffsets(topic);
		const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
		return ends.map((e) => ({
			partition: e.partition,
			end: Number(e.high),
			committed: Number(committed.partitions.find((p) => p.partition === e.partition)?.offset ?? -1),
		}));
	});
}

/** Messages ever written to a topic (its end offsets summed; test topics are never compacted). */
export function messageCount(kafka: Kafka, topic: string): Promise<number> {
	return withAdmin(kafka, async (admin) => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0));
}
