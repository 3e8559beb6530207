/** The bench's lean HTTP/1.1 client speaks HTTP/1.1 as a server sees it: keep-alive, Content-Length or chunked answers, Connection: close. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { http1Request } from "../../bench/http1-connections";

describe("bench http1Request", () => {
	let server: Server;
	let port: number;
	const sockets = new Set<unknown>();
	beforeAll(async () => {
		server = createServer((req, res) => {
			sockets.add(req.socket);
			let body = "";
			req.on("data", (chunk: Buffer) => (body += chunk.toString()));
			req.on("end", () => {
				const answer = JSON.stringify({ method: req.method, url: req.url, type: req.headers["content-type"], body });
				if (req.url === "/chunked") {
					res.writeHead(200);
					res.write(answer.slice(0, 5));
					return void setTimeout(() => res.end(answer.slice(5)), 5);
				}
				if (req.url === "/close") res.setHeader("Connection", "close");
				res.setHeader("Content-Length", Buffer.byteLength(answer));
				res.writeHead(201);
				res.end(answer);
			});
		});
		await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
		port = (server.address() as AddressInfo).port;
	});
	afterAll(() => new Promise<void>((done) => server.close(() => done())));
	beforeEach(() => sockets.clear());

	it("sends the request with its JSON body and reuses one connection for sequential calls", async () => {
		const post = http1Request(port, "POST", "/api/orders", '{"a":1}');
		for (let i = 0; i < 3; i++) {
			const { status, body } = await post();
			expect(status).toBe(201);
			expect(JSON.parse(body)).toEqual({ method: "POST", url: "/api/orders", type: "application/json", body: '{"a":1}' });
		}
		expect(sockets.size).toBe(1);
	});

	it("reads a chunked answer whole", async () => {
		const { status, body } = await http1Request(port, "GET", "/chunked")();
		expect(status).toBe(200);
		expect(JSON.parse(body)).toMatchObject({ method: "GET", url: "/chunked" });
	});

	it("opens a new connection after an answer with Connection: close", async () => {
		const get = http1Request(port, "GET", "/close");
		await get();
		await get();
		expect(sockets.size).toBe(2);
	});
});
