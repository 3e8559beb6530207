/**
 * How a raw baseline process serves, like a service node the bench starts: listen
 * on its PORT, print "bench node ready" (bench/nodes.ts waits for it), report its
 * event loop every second, and on SIGTERM close the server and its clients.
 */
import type { Server } from "node:http";
import { reportEventLoop } from "./load-gauges";

export async function serveRawNode(server: Server, port: number, stop: () => Promise<unknown>): Promise<void> {
	server.keepAliveTimeout = 60_000;
	await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
	process.once("SIGTERM", () => {
		server.close();
		void stop().finally(() => process.exit(0));
	});
	console.log("bench node ready");
	reportEventLoop();
}
