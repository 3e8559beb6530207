/**
 * Where the outbox figure's CPU goes: the CPU time per event of this process
 * (the relay, or raw kafkajs), of the PostgreSQL backends serving the relay, and
 * of the Kafka broker, over one timed run. Throughput on the shared machine
 * drifts; CPU per event does much less, and says which process bounds the drain.
 * Reads /proc (Linux); a process it cannot find counts as null.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { Pool } from "pg";
import { cpuOfPids } from "./nodes";

export interface CpuSplit {
	/** µs of CPU per event. */
	node: number;
	postgres: number | null;
	broker: number | null;
}

interface Mark {
	node: number;
	/** pid -> ms of CPU, for the database's backends (the bench's own excluded) and the broker. */
	postgres: Map<number, number>;
	broker: Map<number, number>;
}

function processes(): { pid: number; command: string }[] {
	const found: { pid: number; command: string }[] = [];
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			found.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ") });
		} catch {
			// ended meanwhile
		}
	}
	return found;
}

async function mark(database: string, benchPool: Pool): Promise<Mark> {
	// The bench's own connections (its inserts and its "drained yet?" polls) are not the relay's cost.
	const { rows } = await benchPool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1", [benchPool.options.application_name ?? ""]);
	const ours = new Set(rows.map((r) => r.pid));
	const all = processes();
	const backends = all.filter((p) => p.command.startsWith("postgres:") && p.command.includes(` ${database} `) && !ours.has(p.pid));
	const broker = all.filter((p) => p.command.includes("kafka.Kafka"));
	const { user, system } = process.cpuUsage();
	return { node: (user + system) / 1000, postgres: cpuOfPids(backends.map((p) => p.pid)), broker: cpuOfPids(broker.map((p) => p.pid)) };
}

const grown = (from: Map<number, number>, to: Map<number, number>): number | null => {
	if (to.size === 0) return null;
	let ms = 0;
	for (const [pid, cpu] of to) ms += cpu - (from.get(pid) ?? 0);
	return ms;
};

/** Starts a measure; the function it returns ends it, as µs of CPU per event over `events`. */
export async function cpuSplit(database: string, benchPool: Pool): Promise<(events: number) => Promise<CpuSplit>> {
	const start = await mark(database, benchPool);
	return async (events) => {
		const end = await mark(database, benchPool);
		const perEvent = (ms: number | null) => (ms === null ? null : Math.round((ms * 10_000) / events) / 10);
		return { node: perEvent(end.node - start.node) as number, postgres: perEvent(grown(start.postgres, end.postgres)), broker: perEvent(grown(start.broker, end.broker)) };
	};
}

export const formatCpuSplit = (s: CpuSplit): string =>
	`node ${s.node} µs, PostgreSQL ${s.postgres ?? "–"} µs, broker ${s.broker ?? "–"} µs`;
