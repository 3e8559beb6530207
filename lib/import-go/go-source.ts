/**
 * Reads the Go service's database (goose schema: "order", product, state,
 * event) in batches of orders keyed by id. Only reads: it runs in a READ ONLY
 * session, so an import can never change the Go data.
 */
import { Client } from "pg";
import type { GoEventRow } from "../../domain/go-import/event";
import type { GoOrderRows } from "../../domain/go-import/order";
import { connectOrExplain, ImportError, redact } from "./import-error";

export const GO_TABLES = ["order", "product", "state", "event"] as const;

export interface GoBatch {
	orders: GoOrderRows[];
	/** WAIT events by the order id their payload names (text, as in the payload). */
	waitEvents: Map<string, GoEventRow[]>;
}

export interface GoTotals {
	orders: number;
	doneEvents: number;
}

export interface OrphanEvent {
	eventId: string;
	orderId: string | null;
}

export class GoSource {
	private constructor(private readonly client: Client) {}

	/** Connects and checks that the Go tables are there; one clear ImportError otherwise. */
	static async open(url: string): Promise<GoSource> {
		const client = await connectOrExplain(url);
		try {
			await client.query("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; SET DateStyle = ISO");
			const { rows } = await client.query<{ name: string }>(
				"SELECT name FROM unnest($1::text[]) AS t(name) WHERE to_regclass(quote_ident(name)) IS NULL",
				[GO_TABLES],
			);
			if (rows.length > 0) {
				const missing = rows.map((r) => `"${r.name}"`).join(", ");
				throw new ImportError(`${redact(url)} is not a Go orders database: no table ${missing}`);
			}
		} catch (err) {
			await client.end();
			throw err;
		}
		return new GoSource(client);
	}

	async totals(): Promise<GoTotals> {
		const { rows } = await this.client.query<{ orders: number; done: number }>(
			`SELECT (SELECT count(*) FROM "order")::int AS orders, (SELECT count(*) FROM event WHERE status = 'DONE')::int AS done`,
		);
		return { orders: rows[0].orders, doneEvents: rows[0].done };
	}

	/** Up to `limit` orders with an id above `afterId` (text: ids may exceed 2^53), with their rows. */
	async readBatch(afterId: string, limit: number): Promise<GoBatch> {
		// ORDER BY names table columns: a bare name would sort by the ::text output column of that name.
		const { rows: orders } = await this.client.query<{ id: string; user_id: string; description: string | null }>(
			`SELECT o.id::text, o.user_id::text, o.description FROM "order" o WHERE o.id > $1::bigint ORDER BY o.id LIMIT $2`,
			[afterId, limit],
		);
		const ids = orders.map((o) => o.id);
		const products = await this.client.query<{ order_id: string; product_id: string; count: string }>(
			"SELECT p.order_id::text, p.product_id::text, p.count::text FROM product p WHERE p.order_id = ANY($1::bigint[]) ORDER BY p.order_id, p.id",
			[ids],
		);
		const states = await this.client.query<{ order_id: string; state: string; created_at: string }>(
			"SELECT s.order_id::text, s.state::text, s.created_at::text FROM state s WHERE s.order_id = ANY($1::bigint[]) ORDER BY s.order_id, s.created_at, s.id",
			[ids],
		);
		const events = await this.client.query<GoEventRow & { order_id: string }>(
			`SELECT e.id::text, e.topic, e.payload, e.created_at::text, e.payload->>'order_id' AS order_id
			FROM event e WHERE e.status = 'WAIT' AND e.payload->>'order_id' = ANY($1::text[]) ORDER BY e.id`,
			[ids],
		);
		const productsOf = groupBy(products.rows, (r) => r.order_id);
		const statesOf = groupBy(states.rows, (r) => r.order_id);
		return {
			orders: orders.map((o) => ({ ...o, products: productsOf.get(o.id) ?? [], states: statesOf.get(o.id) ?? [] })),
			waitEvents: groupBy(events.rows, (r) => r.order_id),
		};
	}

	/** WAIT events whose payload names no order of the Go database: nothing to key them by. */
	async orphanWaitEvents(): Promise<OrphanEvent[]> {
		const { rows } = await this.client.query<OrphanEvent>(
			`SELECT e.id::text AS "eventId", e.payload->>'order_id' AS "orderId" FROM event e
			WHERE e.status = 'WAIT' AND NOT EXISTS (
				SELECT 1 FROM "order" o
				WHERE o.id = CASE WHEN e.payload->>'order_id' ~ '^[0-9]{1,18}$' THEN (e.payload->>'order_id')::bigint END)
			ORDER BY e.id`,
		);
		return rows;
	}

	close(): Promise<void> {
		return this.client.end();
	}
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const row of rows) {
		const group = groups.get(key(row));
		if (group) group.push(row);
		else groups.set(key(row), [row]);
	}
	return groups;
}
