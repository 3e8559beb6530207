/**
 * A create whose answer is lost after its commit (the gateway's call times out)
 * is retried by the broker; without an Idempotency-Key from the client, the
 * gateway's own key makes that retry return the committed order, not a second one.
 */
import type { ActionHandler, ActionSchema, Context, Middleware, Service } from "moleculer";
import { EXAMPLE_BODY, post, randomUserId, startSplitRestNodes, type SplitRestNodes } from "./rest-support";
import { TEST_DATABASE_URL } from "../support/test-env";
import { Client } from "pg";

const REQUEST_TIMEOUT_MS = 1_000;

/** Holds the first orders.create answer back past the gateway's timeout, after its transaction committed. */
const slowFirstAnswer: Middleware = {
	localAction(handler: ActionHandler, action: ActionSchema) {
		if (action.name !== "orders.create") return handler;
		let first = true;
		return async (ctx: Context) => {
			const answer = await handler.call(ctx.service as Service, ctx);
			if (first) {
				first = false;
				await new Promise((r) => setTimeout(r, REQUEST_TIMEOUT_MS * 2));
			}
			return answer;
		};
	},
};

let nodes: SplitRestNodes;

beforeAll(async () => {
	nodes = await startSplitRestNodes({
		orders: { nodeID: "orders-slow", middlewares: [slowFirstAnswer] },
		gateway: { nodeID: "gateway", requestTimeout: REQUEST_TIMEOUT_MS },
	});
});

afterAll(() => nodes?.stop());

it("answers 201 with the one order the first attempt committed", async () => {
	const user_id = randomUserId();
	const res = await post(nodes.base, { ...EXAMPLE_BODY, user_id });
	expect(res.status).toBe(201);

	const db = new Client({ connectionString: TEST_DATABASE_URL });
	await db.connect();
	const { rows } = await db.query("SELECT order_id FROM orders WHERE user_id = $1", [user_id]).finally(() => db.end());
	expect(rows).toHaveLength(1);
	expect(Number(rows[0].order_id)).toBe((res.body as { order_id: number }).order_id);
});
