/**
 * A lean HTTP/1.1 client for the load generator: node:http with keep-alive.
 * fetch (undici) costs several times more CPU per request, and on a small
 * machine the load generator's own cost would otherwise show up as the service's.
 */
import { Agent, request } from "node:http";

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface HttpAnswer {
	status: number;
	body: string;
}

export function httpCall(port: number, method: "GET" | "POST", path: string, body?: string, timeoutMs = 15_000): Promise<HttpAnswer> {
	return new Promise((resolve, reject) => {
		const req = request(
			{ host: "127.0.0.1", port, method, path, agent, timeout: timeoutMs, headers: body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
			(res) => {
				let text = "";
				res.setEncoding("utf8");
				res.on("data", (chunk: string) => (text += chunk));
				res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
				res.on("error", reject);
			},
		);
		req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
		req.on("error", reject);
		req.end(body);
	});
}
