/**
 * The gRPC server of grpc-gateway: ordersapi.OrdersApi, the standard health
 * service (grpc.health.v1) and server reflection, plaintext. Each call becomes
 * one `invoke` with the request, the idempotency key and the time left before
 * its deadline; its outcome is reported per method and status code.
 * Only the five OrdersApi methods exist: anything else is UNIMPLEMENTED.
 */
import * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import { BODY_LIMIT_BYTES } from "../orders-http-errors";
import { toGrpcStatus } from "./grpc-errors";
import { callOptions, type CallOptions } from "./grpc-metadata";
import { loadOrdersApi, ORDERS_SERVICE } from "./orders-proto";
import { ORDERS_API_METHODS, type OrdersApiMethodName } from "./orders-api-methods";

export interface GrpcServerOptions {
	host: string;
	port: number;
	invoke(method: OrdersApiMethodName, request: Record<string, unknown>, options: CallOptions): Promise<object>;
	/** Every finished call: its method, gRPC status name and duration. */
	observe(method: OrdersApiMethodName, code: string, seconds: number): void;
	/** A failure the client sees only as INTERNAL: its detail belongs in the log. */
	internalError(method: OrdersApiMethodName, err: unknown): void;
}

export interface GrpcServer {
	port: number;
	/** Health says NOT_SERVING, calls under way finish (up to `graceMs`), then the port closes. */
	stop(graceMs: number): Promise<void>;
}

const statusName = (code: grpc.status): string => grpc.status[code] ?? String(code);

function unaryHandler(method: OrdersApiMethodName, opts: GrpcServerOptions): grpc.handleUnaryCall<Record<string, unknown>, object> {
	return (call, callback) => {
		const started = process.hrtime.bigint();
		const done = (code: grpc.status) => opts.observe(method, statusName(code), Number(process.hrtime.bigint() - started) / 1e9);
		let options: CallOptions;
		try {
			options = callOptions(call.metadata, call.getDeadline());
		} catch (err) {
			const status = toGrpcStatus(err, false);
			done(status.code ?? grpc.status.INTERNAL);
			return callback(status);
		}
		opts.invoke(method, call.request, options).then(
			(response) => {
				done(grpc.status.OK);
				callback(null, response);
			},
			(err: unknown) => {
				const status = toGrpcStatus(err, options.deadlineMissed());
				if (status.code === grpc.status.INTERNAL) opts.internalError(method, err);
				done(status.code ?? grpc.status.INTERNAL);
				callback(status);
			},
		);
	};
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<GrpcServer> {
	const { definition, service } = loadOrdersApi();
	// The REST body limit holds for gRPC messages too: an order is a few KiB at most.
	// Channelz off: nothing reads it here, and it counts and timestamps every call and message.
	const server = new grpc.Server({ "grpc.max_receive_message_length": BODY_LIMIT_BYTES, "grpc.enable_channelz": 0 });
	const handlers = Object.fromEntries((Object.keys(ORDERS_API_METHODS) as OrdersApiMethodName[]).map((m) => [m, unaryHandler(m, opts)]));
	server.addService(service, handlers);
	const health = new HealthImplementation({ "": "SERVING", [ORDERS_SERVICE]: "SERVING" });
	health.addToServer(server);
	new ReflectionService(definition).addToServer(server);
	const port = await new Promise<number>((resolve, reject) =>
		server.bindAsync(`${opts.host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
			err ? reject(new Error(`gRPC cannot listen on ${opts.host}:${opts.port} (GRPC_PORT): ${err.message}`)) : resolve(bound),
		),
	);
	return {
		port,
		async stop(graceMs) {
			health.setStatus("", "NOT_SERVING");
			health.setStatus(ORDERS_SERVICE, "NOT_SERVING");
			await new Promise<void>((resolve) => {
				const force = setTimeout(() => {
					server.forceShutdown();
					resolve();
				}, graceMs);
				server.tryShutdown(() => {
					clearTimeout(force);
					resolve();
				});
			});
		},
	};
}
