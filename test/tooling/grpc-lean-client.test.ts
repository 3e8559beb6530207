/** The bench's lean gRPC client speaks gRPC as a grpc-js server sees it: the request decodes as sent, OK and error statuses come back. */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { leanUnaryCall } from "../../bench/grpc-lean-client";
import { PROTO_FILE } from "../support/orders-grpc-client";

const definition = protoLoader.loadSync(PROTO_FILE, { keepCase: true, longs: String, enums: String, defaults: true });
const service = (definition["ordersapi.OrdersApi"] as protoLoader.ServiceDefinition);
const ORDER = { user_id: 7, description: "lean", order_products: [{ product_id: 3, count: 2 }] };

describe("bench leanUnaryCall", () => {
	const server = new grpc.Server();
	const received: unknown[] = [];
	let port: number;
	beforeAll(async () => {
		server.addService(service as unknown as grpc.ServiceDefinition, {
			CreateOrder: (call: grpc.ServerUnaryCall<{ description: string }, unknown>, reply: grpc.sendUnaryData<unknown>) => {
				received.push(call.request);
				if (call.request.description === "refuse") return reply({ code: grpc.status.INVALID_ARGUMENT, details: "no such thing: ü" });
				reply(null, { order_id: String(41 + received.length) });
			},
		});
		port = await new Promise<number>((done, fail) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? fail(err) : done(bound))));
	});
	afterAll(() => server.forceShutdown());

	it("sends the request grpc-js would decode as sent and answers the reply's bytes with status OK, call after call", async () => {
		const { call, close } = leanUnaryCall(port, "CreateOrder", ORDER);
		try {
			for (const expected of ["42", "43"]) {
				const answer = await call();
				expect(answer.status).toBe(grpc.status.OK);
				expect(service.CreateOrder.responseDeserialize(answer.reply)).toEqual({ order_id: expected });
			}
			expect(received).toEqual([
				{ ...ORDER, user_id: "7", order_products: [{ product_id: "3", count: "2" }] },
				{ ...ORDER, user_id: "7", order_products: [{ product_id: "3", count: "2" }] },
			]);
		} finally {
			close();
		}
	});

	it("answers a failed call's grpc-status and message", async () => {
		const { call, close } = leanUnaryCall(port, "CreateOrder", { ...ORDER, description: "refuse" });
		try {
			const answer = await call();
			expect(answer).toMatchObject({ status: grpc.status.INVALID_ARGUMENT, message: "no such thing: ü" });
		} finally {
			close();
		}
	});
});
