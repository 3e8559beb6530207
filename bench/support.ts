/** What every benchmark here shares: a throw-away database, the report, the exit. */
import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { ensureDatabase, migrateUp } from "../lib/platform/database";

/** A migrated database for one benchmark run, dropped afterwards. */
export async function withPrivateDatabase<T>(baseUrl: string, prefix: string, run: (url: string) => Promise<T>): Promise<T> {
	const url = new URL(baseUrl);
	const name = `${prefix}_${randomUUID().slice(0, 8)}`;
	url.pathname = `/${name}`;
	await ensureDatabase(url.toString());
	await migrateUp(url.toString());
	try {
		return await run(url.toString());
	} finally {
		url.pathname = "/postgres";
		const admin = new Client({ connectionString: url.toString() });
		await admin.connect();
		await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => admin.end());
	}
}

/** Prints the rows with their rate, the way every benchmark here reports. */
export function printRates(rows: Array<{ measure: string; count: number; seconds: number }>, unit: string): void {
	console.table(rows.map((r) => ({ measure: r.measure, [unit]: r.count, seconds: r.seconds.toFixed(2), [`${unit}/s`]: Math.round(r.count / r.seconds) })));
}

/** Runs a benchmark's main and exits (kafkajs and pg keep sockets open otherwise). */
export function runBenchmark(main: () => Promise<void>): void {
	main().then(
		() => process.exit(0),
		(err: unknown) => {
			console.error(err);
			process.exit(1);
		},
	);
}
