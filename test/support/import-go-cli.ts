/**
 * `npm run import-go` as a user runs it (a child process), and what an import
 * left in a target database, read with plain SQL.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomUUID } from "node:crypto";
import { Client } from "pg";
import type { ImportReport } from "../../lib/import-go/report";

const root = resolve(__dirname, "..", "..");
/** A failure guard, not a timing: a cold ts-node start on a busy machine is slow. */
const GUARD_MS = 180_000;

export interface CliRun {
	code: number | null;
	stdout: string;
	stderr: string;
	/** The --report-json of the run, when it wrote one. */
	report?: ImportReport;
}

export function runImportGo(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
	const reportFile = join(tmpdir(), `import-go-${randomUUID()}.json`);
	const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "bin/import-go.ts", ...args, "--report-json", reportFile], {
		cwd: root,
		env: { ...process.env, LOG_LEVEL: "warn", ...env },
		stdio: ["ignore", "pipe", "pipe"],
	});
	let stdout = "";
	let stderr = "";
	child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
	return new Promise((resolveRun, reject) => {
		const guard = setTimeout(() => {
			child.kill("SIGKILL");
			reject(new Error(`import-go did not end within ${GUARD_MS} ms:\n${stdout}\n${stderr}`));
		}, GUARD_MS);
		child.on("close", (code) => {
			clearTimeout(guard);
			let report: ImportReport | undefined;
			try {
				report = JSON.parse(readFileSync(reportFile, "utf8")) as ImportReport;
			} catch {
				report = undefined; // the run failed before its report
			}
			resolveRun({ code, stdout, stderr, report });
		});
	});
}

export interface DumpedOrder {
	order_id: string;
	user_id: number;
	description: string;
	state: string;
	created_at: string;
	products: Array<{ product_id: number; count: number }>;
	states: Array<{ state: string; time: string }>;
	events: Array<{ topic: string; payload: unknown; sent: boolean }>;
}

/** Every order of the target with its rows; outbox events by their key (the order id). */
export async function dumpOrders(url: string): Promise<Map<string, DumpedOrder>> {
	const client = new Client({ connectionString: url });
	await client.connect();
	try {
		const utc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
		const { rows } = await client.query<DumpedOrder>(
			`SELECT o.order_id::text, o.user_id::float8 AS user_id, o.description, o.state::text, ${utc("o.created_at")} AS created_at,
				COALESCE((SELECT json_agg(json_build_object('product_id', p.product_id, 'count', p.count) ORDER BY p.position)
					FROM order_products p WHERE p.order_id = o.order_id), '[]') AS products,
				COALESCE((SELECT json_agg(json_build_object('state', s.state, 'time', ${utc("s.recorded_at")}) ORDER BY s.recorded_at, s.id)
					FROM order_states s WHERE s.order_id = o.order_id), '[]') AS states,
				COALESCE((SELECT json_agg(json_build_object('topic', e.topic, 'payload', e.payload, 'sent', outbox_sent_at(e) IS NOT NULL) ORDER BY e.id)
					FROM outbox e WHERE e.message_key = o.order_id::text), '[]') AS events
			FROM orders o`,
		);
		return new Map(rows.map((r) => [r.order_id, r]));
	} finally {
		await client.end();
	}
}

/** Rows per table and the largest ids: equal before and after a run that changes nothing. */
export async function tableFingerprint(url: string): Promise<Record<string, string>> {
	const client = new Client({ connectionString: url });
	await client.connect();
	try {
		const { rows } = await client.query<Record<string, string>>(
			`SELECT (SELECT count(*) FROM orders)::text AS orders, (SELECT count(*) FROM order_products)::text AS products,
				(SELECT count(*) || '/' || COALESCE(max(id), 0) FROM order_states) AS states,
				(SELECT count(*) || '/' || COALESCE(max(id), 0) FROM outbox) AS outbox,
				(SELECT md5(string_agg(order_id || ':' || description || ':' || state || ':' || updated_at, ',' ORDER BY order_id)) FROM orders) AS orders_md5,
				(SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('orders', 'order_id')::regclass), 0)::text) AS identity`,
		);
		return rows[0];
	} finally {
		await client.end();
	}
}
