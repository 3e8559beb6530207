/**
 * orders.create is one transaction: when its last write (the outbox event) is
 * refused by PostgreSQL, the order, its products and its state are gone too.
 * The failure is real: a trigger on this file's own outbox topic raises for one
 * user id, so concurrent tests of others never meet it.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import type { Client } from "pg";
import { EXAMPLE_BODY, randomUserId, rowsOf, sql, useOwnOrderTopic } from "../e2e/rest-support";
import { startNode } from "../support/cluster";

let topic: string;
const doomedUser = randomUserId();
const trigger = `fail_outbox_${randomUUID().replace(/-/g, "")}`;

let broker: ServiceBroker;
let db: Client;

beforeAll(async () => {
	topic = await useOwnOrderTopic();
	db = await sql();
	await db.query(`
		CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF EXISTS (SELECT 1 FROM orders WHERE order_id = (NEW.payload->>'order_id')::bigint AND user_id = ${doomedUser}) THEN
				RAISE EXCEPTION 'outbox refused for the test';
			END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER ${trigger} BEFORE INSERT ON outbox FOR EACH ROW WHEN (NEW.topic = '${topic}') EXECUTE FUNCTION ${trigger}();`);
	broker = await startNode(["orders"]);
});

afterAll(async () => {
	await broker?.stop();
	await db?.query(`DROP TRIGGER IF EXISTS ${trigger} ON outbox; DROP FUNCTION IF EXISTS ${trigger}();`);
	await db?.end();
});

it("a create whose outbox write fails leaves no order, product, state or event, and says only 'Internal error'", async () => {
	const before = await rowsOf(db, doomedUser, topic);
	const key = randomUUID();
	await expect(broker.call("orders.create", { ...EXAMPLE_BODY, user_id: doomedUser }, { meta: { idempotency_key: key } })).rejects.toMatchObject({
		code: 500,
		message: "Internal error",
	});
	expect(await rowsOf(db, doomedUser, topic)).toEqual({ orders: 0, products: 0, states: 0, outbox: before.outbox });
	// Not even the Idempotency-Key is claimed.
	const { rows } = await db.query("SELECT count(*)::int AS n FROM orders WHERE idempotency_key = $1", [key]);
	expect(rows[0].n).toBe(0);
});

it("the same node then creates other users' orders whole", async () => {
	const userId = randomUserId();
	const order = await broker.call<{ order_id: number }, object>("orders.create", { ...EXAMPLE_BODY, user_id: userId });
	expect(await rowsOf(db, userId, topic)).toMatchObject({ orders: 1, products: 2, states: 1 });
	const { rows } = await db.query("SELECT payload FROM outbox WHERE topic = $1 AND message_key = $2", [topic, String(order.order_id)]);
	expect(rows).toEqual([{ payload: { idempotent_key: expect.any(String), order_id: order.order_id, status: "CREATED" } }]);
});
