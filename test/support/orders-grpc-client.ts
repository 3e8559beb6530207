/**
 * A client of ordersapi.OrdersApi built from proto/orders.proto alone (grpc-js +
 * proto-loader, nothing of the project's code), as a Go client's peer would be,
 * with promise-returning methods. Errors are grpc-js ServiceErrors (code, details).
 */
import { resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

export const PROTO_FILE = resolve(__dirname, "..", "..", "proto", "orders.proto");

const definition = protoLoader.loadSync(PROTO_FILE, { keepCase: true, longs: String, enums: String, defaults: true });
const OrdersApi = (grpc.loadPackageDefinition(definition).ordersapi as grpc.GrpcObject).OrdersApi as grpc.ServiceClientConstructor;

export type Reply = Record<string, unknown>;
export interface CallExtras {
	metadata?: Record<string, string>;
	/** Milliseconds from now. */
	deadlineMs?: number;
}
export type OrdersApiClient = Record<"CreateOrder" | "GetOrder" | "GetOrderStates" | "GetOrders" | "GetPing", (request: object, extras?: CallExtras) => Promise<Reply>> & {
	raw: grpc.Client;
	close(): void;
};

export function ordersApiClient(address: string): OrdersApiClient {
	const raw = new OrdersApi(address, grpc.credentials.createInsecure());
	const method = (name: string) => (request: object, extras: CallExtras = {}) =>
		new Promise<Reply>((done, fail) => {
			const metadata = new grpc.Metadata();
			for (const [key, value] of Object.entries(extras.metadata ?? {})) metadata.add(key, value);
			const options: grpc.CallOptions = extras.deadlineMs === undefined ? {} : { deadline: Date.now() + extras.deadlineMs };
			(raw[name] as (...args: unknown[]) => void).call(raw, request, metadata, options, (err: grpc.ServiceError | null, reply: Reply) => (err ? fail(err) : done(reply)));
		});
	return {
		CreateOrder: method("CreateOrder"),
		GetOrder: method("GetOrder"),
		GetOrderStates: method("GetOrderStates"),
		GetOrders: method("GetOrders"),
		GetPing: method("GetPing"),
		raw,
		close: () => raw.close(),
	};
}

/** The status a call failed with (rejects if it succeeded). */
export async function grpcFailure(call: Promise<unknown>): Promise<{ code: string; details: string }> {
	try {
		await call;
	} catch (err) {
		const e = err as grpc.ServiceError;
		return { code: grpc.status[e.code], details: e.details };
	}
	throw new Error("the call succeeded");
}
