/**
 * Hot statements run by name (lib/platform/clients/raw-pg-pool.ts `execute`):
 * each connection parses and plans one once, then only binds and executes it.
 * A pool of ONE connection, so what pg_prepared_statements shows is the
 * session the statements ran on.
 */
import { createSequelize } from "../../lib/platform/clients/database";
import { rawPgPool } from "../../lib/platform/clients/raw-pg-pool";
import { orderWriter } from "../../lib/orders/order-writer";
import { TEST_DATABASE_URL } from "../support/test-env";

const db = createSequelize(TEST_DATABASE_URL, 1);
const pool = rawPgPool(db);
afterAll(() => db.close());

const preparedNamed = async (name: string): Promise<string[]> =>
	(await pool.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements WHERE name = $1", [name])).rows.map((r) => r.statement);

it("prepares a named statement once on its connection, and runs it again with other values", async () => {
	const plusOne = { name: "test-plus-one", text: "SELECT $1::int + 1 AS n" };
	expect(await preparedNamed(plusOne.name)).toEqual([]);
	expect((await pool.execute<{ n: number }>(plusOne, [1])).rows).toEqual([{ n: 2 }]);
	expect((await pool.execute<{ n: number }>(plusOne, [41])).rows).toEqual([{ n: 42 }]);
	expect(await preparedNamed(plusOne.name)).toEqual([plusOne.text]);
});

it("a create runs the create statement prepared on the connection", async () => {
	const input = { user_id: 7, description: "prepared", order_products: [{ product_id: 1, count: 2 }] };
	const row = await orderWriter(db, null)({ input });
	expect(row?.description).toBe("prepared");
	expect(await preparedNamed("orders-create")).toHaveLength(1);
});
