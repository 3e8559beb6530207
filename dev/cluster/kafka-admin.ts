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
