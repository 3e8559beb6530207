/**
 * proto/orders.proto loaded for grpc-js (with the standard health service, so
 * reflection lists it too). int64 fields arrive as decimal strings: a client may
 * send any 64-bit value, and the input rules, not a silent rounding, judge it.
 */
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { projectRoot } from "../../platform/config/project-root";

// From the project root, so the compiled dist/ finds it too.
export const ORDERS_PROTO = join(projectRoot(), "proto", "orders.proto");
export const ORDERS_SERVICE = "ordersapi.OrdersApi";

export const LOAD_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

export function loadOrdersApi(): { definition: protoLoader.PackageDefinition; service: grpc.ServiceDefinition } {
	const definition = protoLoader.loadSync([ORDERS_PROTO, healthProtoPath], LOAD_OPTIONS);
	return { definition, service: definition[ORDERS_SERVICE] as grpc.ServiceDefinition };
}
