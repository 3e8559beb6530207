/**
 * The GET baseline as a process of its own, like the service node it is compared
 * with: a bare node:http server answering GET /api/orders/:id with the same read
 * the orders service makes (the order and its products in one statement, as
 * lib/orders/orders-repository.ts's findOrder) from a `pg` pool of the service's
 * size, with no Moleculer, validation or cache. Prints "bench node ready", then its
 * event loop's utilization every second; SIGTERM stops it.
 */
import { createServer } from "node:http";
import { Pool } from "pg";
import { loadConfig } from "../lib/platform/config/config";
import { serveRawNode } from "./raw-node-server";

const READ_ORDER_SQL = `SELECT o.order_id, o.user_id, o.description, o.state, o.created_at,
	COALESCE((SELECT json_agg(json_build_object('product_id', p.product_id, 'count', p.count) ORDER BY p.position)
		FROM order_products p WHERE p.order_id = o.order_id), '[]'::json) AS order_products
FROM orders o WHERE o.order_id = $1`;

async function main(): Promise<void> {
	const cfg = loadConfig();
	const pool = new Pool({ connectionString: cfg.databaseUrl, max: cfg.dbPoolMax });
	const server = createServer((req, res) => {
		const id = /^\/api\/orders\/(\d+)$/.exec(req.url ?? "")?.[1];
		if (req.method !== "GET" || id === undefined) return void res.writeHead(404).end();
		pool.query(READ_ORDER_SQL, [id]).then(
			({ rows }) => (rows.length === 0 ? res.writeHead(404).end() : res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(rows[0]))),
			(err: Error) => res.writeHead(500).end(err.message),
		);
	});
	await serveRawNode(server, cfg.port, () => pool.end());
}

main().catch((err: Error) => {
	console.error(`raw read node: ${err.message}`);
	process.exit(1);
});
