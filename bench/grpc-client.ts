/**
 * A lean gRPC client for the load generator: unary calls over one node:http2
 * session, the request encoded once. grpc-js's client (channel, interceptors,
 * deadline timers, metadata objects per call) costs several times the CPU of the
 * raw baseline's `pg` client per call, and on a small machine the load
 * generator's cost would otherwise show up as the service's (as fetch would for
 * REST, bench/http-client.ts). The wire is gRPC's own: a length-prefixed
 * protobuf message, the answer's status in the trailers.
 */
import { connect, constants, type ClientHttp2Session } from "node:http2";
import * as protoLoader from "@grpc/proto-loader";
import { LOAD_OPTIONS, ORDERS_PROTO, ORDERS_SERVICE } from "../lib/gateways/grpc/orders-proto";

export interface LeanGrpcClient {
	/** One call of the method with the request encoded beforehand; throws unless its status is OK. */
	call(): Promise<void>;
	close(): void;
}

/** The request message of `method` of ordersapi.OrdersApi, framed: compressed flag 0, length (big endian), the message. */
export function framedRequest(method: string, request: object): Buffer {
	const definition = protoLoader.loadSync(ORDERS_PROTO, LOAD_OPTIONS)[ORDERS_SERVICE] as Record<string, protoLoader.MethodDefinition<object, object>>;
	const message = definition[method].requestSerialize(request);
	const frame = Buffer.alloc(5 + message.length);
	frame.writeUInt32BE(message.length, 1);
	message.copy(frame, 5);
	return frame;
}

export function leanGrpcClient(address: string, method: string, framed: Buffer): LeanGrpcClient {
	let session: ClientHttp2Session | undefined;
	const path = `/${ORDERS_SERVICE}/${method}`;
	const headers = { [constants.HTTP2_HEADER_METHOD]: "POST", [constants.HTTP2_HEADER_PATH]: path, "content-type": "application/grpc", te: "trailers" };
	const open = (): ClientHttp2Session => {
		if (!session || session.closed || session.destroyed) {
			session = connect(`http://${address}`);
			session.on("error", () => (session = undefined));
		}
		return session;
	};
	return {
		call: () =>
			new Promise<void>((resolve, reject) => {
				const stream = open().request(headers);
				let status: string | undefined;
				let message = "";
				// A gRPC error without a body answers in the headers alone (trailers-only).
				stream.on("response", (h) => ((status = h["grpc-status"] as string | undefined), (message = String(h["grpc-message"] ?? ""))));
				stream.on("trailers", (t) => ((status = t["grpc-status"] as string | undefined), (message = String(t["grpc-message"] ?? ""))));
				stream.on("data", () => undefined);
				stream.on("error", reject);
				stream.on("close", () => (status === "0" ? resolve() : reject(new Error(`${path} answered gRPC status ${status ?? "none"} ${decodeURIComponent(message)}`))));
				stream.end(framed);
			}),
		close: () => session?.close(),
	};
}
