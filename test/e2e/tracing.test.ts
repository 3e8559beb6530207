/**
 * Tracing across nodes: with TRACING=event every node emits its finished spans
 * as `$tracing.spans` events; a collector service gathers them. One REST POST
 * through a gateway node to an orders node on another node must give one trace:
 * the gateway's REST span and orders.create's span share the trace ID, and
 * orders.create is a child of the REST span.
 */
import { randomUUID } from "node:crypto";
import type { Context } from "moleculer";
import { waitFor } from "../support/wait";
import { EXAMPLE_BODY, randomUserId, startSplitRestNodes, type SplitRestNodes } from "./rest-support";

/** The span fields this test reads (Moleculer's Span, as the Event exporter sends it). */
interface SpanRecord {
	id: string;
	traceID: string;
	parentID: string | null;
	name: string;
	tags: { action?: { name: string }; nodeID?: string; params?: Record<string, unknown> };
}

describe("tracing across gateway and orders nodes", () => {
	const spans: SpanRecord[] = [];
	let nodes: SplitRestNodes;

	beforeAll(async () => {
		const run = randomUUID().slice(0, 8);
		nodes = await startSplitRestNodes({ env: { TRACING: "event" }, orders: { nodeID: `orders-${run}` }, gateway: { nodeID: `gateway-${run}` } });
		nodes.gateway.createService({
			name: "span-collector",
			events: {
				"$tracing.spans"(ctx: Context<SpanRecord[]>) {
					spans.push(...ctx.params);
				},
			},
		});
		await nodes.gateway.waitForServices(["span-collector"]);
		await nodes.orders.waitForServices(["span-collector"]);
	});
	afterAll(() => nodes?.stop());

	it("links the REST span and orders.create (on another node) in one trace, parent to child", async () => {
		const res = await fetch(`${nodes.base}/orders`, {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({ ...EXAMPLE_BODY, user_id: randomUserId() }),
		});
		expect(res.status).toBe(201);
		const { order_id } = (await res.json()) as { order_id: number };

		const create = await waitFor(
			() => spans.find((s) => s.tags.action?.name === "orders.create" && s.tags.nodeID === nodes.orders.nodeID),
			"the orders.create span from the orders node",
		);
		const rest = await waitFor(() => spans.find((s) => s.id === create.parentID), "the parent span of orders.create");
		expect(rest.tags.action?.name).toBe("api-gateway.rest");
		expect(rest.tags.nodeID).toBe(nodes.gateway.nodeID);
		expect(rest.traceID).toBe(create.traceID);
		expect(rest.parentID).toBeFalsy(); // the REST request starts the trace
		// The trace is this request's: no other REST call ran in this cluster.
		expect(spans.filter((s) => s.traceID === create.traceID && s.tags.action?.name === "orders.create")).toHaveLength(1);
		expect(order_id).toBeGreaterThan(0);
	});
});
