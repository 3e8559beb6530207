/**
 * A real failure of a create's last write: a trigger on the test file's own
 * outbox topic raises for the orders of one user, so concurrent tests of other
 * users and topics never meet it.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import type { Client } from "pg";
import { sql, useOwnOrderTopic } from "../e2e/rest-support";
import { startNode } from "./cluster";

export interface RefusingOrdersNode {
	broker: ServiceBroker;
	db: Client;
	topic: string;
}

/** An orders node on a topic of its own whose outbox refuses `userId`'s events, and a database client; for the test file. */
export function useOrdersNodeRefusingEventsOf(userId: number): RefusingOrdersNode {
	const held = {} as RefusingOrdersNode;
	const trigger = `fail_outbox_${randomUUID().replace(/-/g, "")}`;
	beforeAll(async () => {
		held.topic = await useOwnOrderTopic();
		held.db = await sql();
		await held.db.query(`
			CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				IF EXISTS (SELECT 1 FROM orders WHERE order_id = (NEW.payload->>'order_id')::bigint AND user_id = ${Number(userId)}) THEN
					RAISE EXCEPTION 'outbox refused for the test';
				END IF;
				RETURN NEW;
			END $$;
			CREATE TRIGGER ${trigger} BEFORE INSERT ON outbox FOR EACH ROW WHEN (NEW.topic = '${held.topic}') EXECUTE FUNCTION ${trigger}();`);
		held.broker = await startNode(["orders"]);
	});
	afterAll(async () => {
		await held.broker?.stop();
		await held.db?.query(`DROP TRIGGER IF EXISTS ${trigger} ON outbox; DROP FUNCTION IF EXISTS ${trigger}();`);
		await held.db?.end();
	});
	return held;
}
