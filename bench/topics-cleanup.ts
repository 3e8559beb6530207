/**
 * Deletes the topics one benchmark run created (every name starts with
 * `bench-<run>-`, bench/context.ts), so repeated runs do not pile up topics on a
 * shared broker. A failure is reported, not thrown: the figures are already taken.
 */
import { createKafka } from "../lib/platform/clients/kafka";
import type { BenchContext } from "./context";

export async function deleteRunTopics(ctx: BenchContext): Promise<void> {
	const admin = createKafka(ctx.brokers, "bench-cleanup", 2).admin();
	try {
		await admin.connect();
		const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`bench-${ctx.run}-`));
		if (topics.length > 0) await admin.deleteTopics({ topics });
	} catch (err) {
		ctx.log(`could not delete this run's topics (${(err as Error).message}); they stay on the broker`);
	} finally {
		await admin.disconnect().catch(() => undefined);
	}
}
