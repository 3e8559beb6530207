/** A Kafka admin client for the length of one piece of work. */
import type { Kafka } from "kafkajs";

export async function withAdmin<T>(kafka: Kafka, work: (admin: ReturnType<Kafka["admin"]>) => Promise<T>): Promise<T> {
	const admin = kafka.admin();
	await admin.connect();
	try {
		return await work(admin);
	} finally {
		await admin.disconnect();
	}
}

/** How many members a consumer group has now (0: nobody consumes for it). */
export const groupMembers = (kafka: Kafka, groupId: string): Promise<number> =>
	withAdmin(kafka, async (admin) => (await admin.describeGroups([groupId])).groups[0]?.members.length ?? 0);
