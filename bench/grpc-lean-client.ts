/**
 * The leanest gRPC client the load generator can have for one repeated unary
 * call, the twin of bench/http1-connections.ts: one HTTP/2 connection
 * (node:http2), the request message serialized once from proto/orders.proto,
 * and per call one stream that sends its length-prefixed message and reads the
 * reply's frames and its grpc-status. grpc-js's client spends several times
 * more CPU per call (channel, subchannel, filters, metadata and deadline
 * bookkeeping), and on a 2-core machine, and at 1 client on the latency path,
 * that CPU is taken from the service it measures. The server sees an ordinary
 * gRPC client: the same bytes grpc-js would send.
 */
import { connect, constants, type ClientHttp2Session } from "node:http2";
import * as protoLoader from "@grpc/proto-loader";
import { PROTO_FILE } from "../test/support/orders-grpc-client";

const SERVICE = "ordersapi.OrdersApi";
const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_TE } = constants;

export interface GrpcAnswer {
	/** grpc-status (0 is OK). */
	status: number;
	message: string;
	/** The reply's message bytes (without the 5-byte length prefix). */
	reply: Buffer;
}

/** The message's gRPC frame: a compression flag (none), its length, its bytes. */
function frame(message: Buffer): Buffer {
	const head = Buffer.alloc(5);
	head.writeUInt32BE(message.length, 1);
	return Buffer.concat([head, message]);
}

/** One unary method of OrdersApi called with the same request each time, over one connection to 127.0.0.1:`port`. */
export function leanUnaryCall(port: number, method: string, request: object, timeoutMs = 15_000): { call: () => Promise<GrpcAnswer>; close: () => void } {
	const definition = protoLoader.loadSync(PROTO_FILE, { keepCase: true, longs: String, enums: String, defaults: true });
	const serialize = (definition[SERVICE] as protoLoader.ServiceDefinition)[method].requestSerialize;
	const body = frame(serialize(request));
	const headers = {
		[HTTP2_HEADER_METHOD]: "POST",
		[HTTP2_HEADER_PATH]: `/${SERVICE}/${method}`,
		[HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
		[HTTP2_HEADER_TE]: "trailers",
	};
	let session: ClientHttp2Session | null = null;
	const sessionOf = (): ClientHttp2Session => {
		if (session === null || session.closed || session.destroyed) {
			const opened = connect(`http://127.0.0.1:${port}`);
			opened.on("error", () => undefined); // a call on it fails with its own stream's error
			opened.on("close", () => session === opened && (session = null));
			session = opened;
		}
		return session;
	};
	const call = () =>
		new Promise<GrpcAnswer>((resolve, reject) => {
			const stream = sessionOf().request(headers, { endStream: false });
			const chunks: Buffer[] = [];
			let status: number | null = null;
			let message = "";
			const timer = setTimeout(() => (stream.close(constants.NGHTTP2_CANCEL), reject(new Error(`no answer within ${timeoutMs} ms`))), timeoutMs);
			// A trailers-only answer (an error) carries grpc-status in its headers.
			const statusFrom = (fields: Record<string, unknown>) => {
				if (fields["grpc-status"] === undefined) return;
				status = Number(fields["grpc-status"]);
				message = decodeURIComponent(String(fields["grpc-message"] ?? ""));
			};
			stream.on("response", statusFrom);
			stream.on("trailers", statusFrom);
			stream.on("data", (chunk: Buffer) => chunks.push(chunk));
			stream.on("error", (err: Error) => (clearTimeout(timer), reject(err)));
			stream.on("close", () => {
				clearTimeout(timer);
				if (status === null) return reject(new Error(`the stream closed without a grpc-status (HTTP/2 code ${stream.rstCode})`));
				const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
				resolve({ status, message, reply: data.subarray(5) });
			});
			stream.end(body);
		});
	return { call, close: () => session?.close() };
}
