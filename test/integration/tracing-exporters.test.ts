/**
 * Every tracing exporter TRACING accepts starts and delivers spans (the `event`
 * exporter across nodes: test/e2e/tracing.test.ts). Zipkin is sent to a small
 * local HTTP server standing in for the collector; it records what is POSTed,
 * in Zipkin's v2 JSON, which Jaeger's collector also takes.
 */
import { createServer, type Server } from "node:http";
import type { ServiceBroker } from "moleculer";
import { freePort } from "../../dev/cluster/ports";
import { startNode } from "../support/cluster";
import { waitFor } from "../support/wait";

interface ZipkinSpan {
	traceId: string;
	id: string;
	name: string;
	localEndpoint: { serviceName: string | null };
}

describe("TRACING=zipkin", () => {
	const received: Array<{ path: string; contentType?: string; spans: ZipkinSpan[] }> = [];
	let collector: Server;
	let node: ServiceBroker;

	beforeAll(async () => {
		const port = await freePort();
		collector = createServer((req, res) => {
			let body = "";
			req.on("data", (chunk: Buffer) => (body += chunk.toString()));
			req.on("end", () => {
				received.push({ path: req.url ?? "", contentType: req.headers["content-type"], spans: JSON.parse(body) as ZipkinSpan[] });
				res.writeHead(202).end();
			});
		});
		await new Promise<void>((resolve) => collector.listen(port, "127.0.0.1", resolve));
		node = await startNode(["api-gateway"], { TRACING: "zipkin", TRACING_ENDPOINT: `http://127.0.0.1:${port}`, PORT: String(await freePort()) });
	});

	afterAll(async () => {
		await node?.stop();
		await new Promise((resolve) => collector?.close(resolve));
	});

	it("posts each action's span to the collector's /api/v2/spans in Zipkin's JSON", async () => {
		await node.call("api-gateway.ping");
		const span = await waitFor(
			() => received.flatMap((r) => r.spans).find((s) => s.name === "action 'api-gateway.ping'"),
			"the ping span at the collector",
		);
		expect(received[0]).toMatchObject({ path: "/api/v2/spans", contentType: expect.stringContaining("application/json") });
		expect(span).toMatchObject({ traceId: expect.stringMatching(/^[0-9a-f]{16,32}$/), id: expect.stringMatching(/^[0-9a-f]{16}$/) });
		expect(span.localEndpoint.serviceName).toBe("api-gateway");
	});
});

describe("TRACING=console", () => {
	let node: ServiceBroker;
	const printed: string[] = [];

	beforeAll(async () => {
		// Moleculer's Console logger writes through console.log/info; the exporter prints its span tree through the logger.
		for (const method of ["log", "info"] as const) {
			jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(" ")));
		}
		node = await startNode(["api-gateway"], { TRACING: "console", LOG_LEVEL: "info", PORT: String(await freePort()) });
	});

	afterAll(async () => {
		await node?.stop();
		jest.restoreAllMocks();
	});

	it("prints the span tree of a request", async () => {
		await node.call("api-gateway.ping");
		await waitFor(() => (printed.some((line) => line.includes("action 'api-gateway.ping'")) ? true : undefined), "the printed ping span");
	});
});
