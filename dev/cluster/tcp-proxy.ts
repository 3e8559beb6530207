/**
 * A TCP proxy a test can cut and restore, to take a dependency away from one
 * node (its connection string points at the proxy) without touching the shared
 * server everyone else uses.
 */
import { createServer, connect, type Socket } from "node:net";

export interface TcpProxy {
	port: number;
	/** Connections refused since the last cut: proof that a client kept trying. */
	refused: number;
	/** Drops every open connection and refuses new ones. */
	cut(): void;
	/** Drops every open connection and holds new ones unanswered: a server that hangs. restore() drops the held ones. */
	stall(): void;
	restore(): void;
	close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
	const open = new Set<Socket>();
	let down = false;
	let stalled = false;
	const held = new Set<Socket>();
	const server = createServer((client) => {
		if (stalled) {
			held.add(client);
			client.on("error", () => undefined);
			client.on("close", () => held.delete(client));
			return;
		}
		if (down) {
			proxy.refused++;
			client.destroy();
			return;
		}
		const upstream = connect(targetPort, targetHost);
		for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
			open.add(a);
			a.pipe(b);
			a.on("error", () => b.destroy());
			a.on("close", () => {
				open.delete(a);
				b.destroy();
			});
		}
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const address = server.address();
	const proxy: TcpProxy = {
		port: typeof address === "object" && address ? address.port : 0,
		refused: 0,
		cut() {
			down = true;
			proxy.refused = 0;
			for (const socket of open) socket.destroy();
		},
		stall() {
			stalled = true;
			for (const socket of open) socket.destroy();
		},
		restore() {
			down = false;
			stalled = false;
			for (const socket of held) socket.destroy();
		},
		close() {
			proxy.cut();
			return new Promise((resolve) => server.close(() => resolve()));
		},
	};
	return proxy;
}
