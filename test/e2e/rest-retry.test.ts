/**
 * When the call behind a route keeps failing with a retryable error (say the
 * orders node died), the broker retries that call, and then the client gets a
 * 503 it may retry with its Idempotency-Key. The gateway's own request handler
 * (api-gateway.rest) must not be retried: replaying it on the same, already
 * consumed HTTP request answered 404.
 */
import { Errors, type ServiceBroker } from "moleculer";
import { freePort } from "../../dev/cluster/ports";
import { startNode } from "../support/cluster";
import { EXAMPLE_BODY, post } from "./rest-support";

let broker: ServiceBroker;
let base: string;
let calls = 0;
let failFirst = 0;

beforeAll(async () => {
	const port = await freePort();
	broker = await startNode(["api-gateway"], { PORT: String(port) });
	base = `http://127.0.0.1:${port}/api`;
	// A stand-in for an orders node that is going away.
	broker.createService({
		name: "orders",
		actions: {
			create(ctx) {
				calls++;
				if (calls <= failFirst) throw new Errors.MoleculerRetryableError("the node went away", 500, "NODE_LOST");
				return { order_id: 1, ...(ctx.params as object) };
			},
		},
	});
	await broker.waitForServices(["orders"]);
});

afterAll(() => broker?.stop());

beforeEach(() => {
	calls = 0;
});

it("a call that keeps failing is retried by the broker, then answered 503 (not 404), naming nothing internal", async () => {
	failFirst = Infinity;
	const res = await post(base, EXAMPLE_BODY, { "Idempotency-Key": "retry-1" });
	expect(res.status).toBe(503);
	expect(res.body).toEqual({ name: "ServiceUnavailableError", message: "The service is unavailable, try again later", code: 503, type: "SERVICE_UNAVAILABLE", data: null });
	expect(calls).toBe(4); // the first call and the broker's 3 retries, once
});

it("a call that fails twice and then succeeds answers 201", async () => {
	failFirst = 2;
	const res = await post(base, EXAMPLE_BODY, { "Idempotency-Key": "retry-2" });
	expect(res.status).toBe(201);
	expect(calls).toBe(3);
});
