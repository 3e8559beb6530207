/**
 * After the load stops: waits until the saga has nothing left to do. Every
 * outbox row sent, nothing parked, every consumer group (the listeners' and the
 * simulator's) committed to the end of its topic, and the state count unchanged
 * across a few polls. Bounded: past the guard the verdict shows what is stuck.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Kafka } from "kafkajs";
import type { Pool } from "pg";
import { withAdmin } from "../cluster/kafka-admin";
import { BACKLOG_SQL } from "../../lib/outbox/outbox-store";

export interface Lagging {
	group: string;
	topic: string;
}

const POLL_MS = 2_000;
/** Polls in a row with the same state count: the saga has come to rest. */
const STILL_POLLS = 3;

const lag = (kafka: Kafka, groups: Lagging[]): Promise<number> =>
	withAdmin(kafka, async (admin) => {
		let behind = 0;
		for (const { group, topic } of groups) {
			const ends = await admin.fetchTopicOffsets(topic);
			const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
			for (const end of ends) {
				const at = Number(committed.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
				behind += Number(end.high) - Math.max(at, Number(end.low));
			}
		}
		return behind;
	});

async function pending(pool: Pool): Promise<{ unsent: number; parked: number; states: number }> {
	const { rows } = await pool.query<{ unsent: string; parked: string; states: string }>(
		`SELECT (SELECT unsent FROM (${BACKLOG_SQL}) b) AS unsent,
			(SELECT count(*) FROM parked_messages) AS parked,
			(SELECT count(*) FROM order_states) AS states`,
	);
	return { unsent: Number(rows[0].unsent), parked: Number(rows[0].parked), states: Number(rows[0].states) };
}

/** Resolves true once quiet, false past `guardMs`. */
export async function waitForQuiet(pool: Pool, kafka: Kafka, groups: Lagging[], guardMs: number, signal: AbortSignal): Promise<boolean> {
	const deadline = Date.now() + guardMs;
	let lastStates = -1;
	let still = 0;
	while (Date.now() < deadline) {
		const now = await pending(pool);
		const behind = await lag(kafka, groups);
		still = now.states === lastStates ? still + 1 : 0;
		lastStates = now.states;
		if (now.unsent === 0 && now.parked === 0 && behind === 0 && still >= STILL_POLLS) return true;
		await sleep(POLL_MS, undefined, { signal });
	}
	return false;
}
