/**
 * The leanest HTTP/1.1 client the load generator can have for one repeated
 * request: keep-alive TCP connections (one per client loop, Nagle off), the
 * request's bytes built once, and a response read as HTTP/1.1 frames it: the
 * status line, the headers up to the blank line, then Content-Length bytes of
 * body (or chunked encoding). node:http's client spends about twice as much
 * CPU per request (an IncomingMessage stream, header objects, the agent's
 * bookkeeping), and on a 2-core machine that CPU is taken from the service it
 * measures. The service sees an ordinary keep-alive client; a response that
 * says `Connection: close` closes its connection and the next call opens one.
 */
import { connect, type Socket } from "node:net";

export interface Http1Answer {
	status: number;
	body: string;
}

const HEAD_END = Buffer.from("\r\n\r\n");

/** One response on `socket`: resolves when its body is complete. */
function readResponse(socket: Socket, timeoutMs: number): Promise<Http1Answer & { close: boolean }> {
	return new Promise((resolve, reject) => {
		let buffered: Buffer = Buffer.alloc(0);
		let head: { status: number; length: number | null; chunked: boolean; close: boolean; bodyStart: number } | null = null;
		const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
		const finish = (err: Error | null, answer?: Http1Answer & { close: boolean }) => {
			clearTimeout(timer);
			socket.off("data", onData);
			socket.off("error", onError);
			socket.off("close", onClose);
			if (err) reject(err);
			else resolve(answer as Http1Answer & { close: boolean });
		};
		const onError = (err: Error) => finish(err);
		const onClose = () => finish(new Error("the server closed the connection before its answer was complete"));
		const onData = (chunk: Buffer) => {
			buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
			if (!head) {
				const end = buffered.indexOf(HEAD_END);
				if (end < 0) return;
				const lines = buffered.toString("latin1", 0, end).split("\r\n");
				const status = Number(lines[0].split(" ")[1]);
				let length: number | null = null;
				let chunked = false;
				let close = false;
				for (const line of lines.slice(1)) {
					const colon = line.indexOf(":");
					const name = line.slice(0, colon).toLowerCase();
					const value = line.slice(colon + 1).trim().toLowerCase();
					if (name === "content-length") length = Number(value);
					else if (name === "transfer-encoding") chunked = value.includes("chunked");
					else if (name === "connection") close = value === "close";
				}
				head = { status, length, chunked, close, bodyStart: end + HEAD_END.length };
			}
			const body = head.chunked ? dechunk(buffered.subarray(head.bodyStart)) : buffered.subarray(head.bodyStart, head.bodyStart + (head.length ?? 0));
			if (body === null || (!head.chunked && body.length < (head.length ?? 0))) return;
			finish(null, { status: head.status, body: body.toString("utf8"), close: head.close });
		};
		socket.on("data", onData);
		socket.on("error", onError);
		socket.on("close", onClose);
	});
}

/** The body of a complete chunked message, or null while its last chunk has not arrived. */
function dechunk(data: Buffer): Buffer | null {
	const parts: Buffer[] = [];
	let at = 0;
	for (;;) {
		const lineEnd = data.indexOf("\r\n", at);
		if (lineEnd < 0) return null;
		const size = parseInt(data.toString("latin1", at, lineEnd), 16);
		if (size === 0) return data.indexOf(HEAD_END, lineEnd - 2) >= 0 ? Buffer.concat(parts) : null;
		if (data.length < lineEnd + 2 + size + 2) return null;
		parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
		at = lineEnd + 2 + size + 2;
	}
}

/** A keep-alive client of one request (method, path, JSON body) to 127.0.0.1:`port`. */
export function http1Request(port: number, method: "GET" | "POST", path: string, body?: string, timeoutMs = 15_000): () => Promise<Http1Answer> {
	const payload = body === undefined ? "" : body;
	const headers = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, "Connection: keep-alive"];
	if (body !== undefined) headers.push("Content-Type: application/json", `Content-Length: ${Buffer.byteLength(payload)}`);
	const request = Buffer.from(`${headers.join("\r\n")}\r\n\r\n${payload}`);
	const idle: Socket[] = [];
	const open = (): Promise<Socket> =>
		new Promise((resolve, reject) => {
			const socket = connect({ host: "127.0.0.1", port, noDelay: true }, () => {
				socket.off("error", reject);
				// An idle connection the server closes leaves the pool; its error then has no call to fail.
				socket.on("error", () => undefined);
				socket.on("close", () => idle.includes(socket) && idle.splice(idle.indexOf(socket), 1));
				resolve(socket);
			});
			socket.once("error", reject);
		});
	return async () => {
		const socket = idle.pop() ?? (await open());
		const answer = readResponse(socket, timeoutMs);
		socket.write(request);
		try {
			const { close, ...result } = await answer;
			if (close) socket.destroy();
			else idle.push(socket);
			return result;
		} catch (err) {
			socket.destroy();
			throw err;
		}
	};
}
