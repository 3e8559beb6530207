import { status as Status } from "@grpc/grpc-js";
import { Errors } from "moleculer";
import { toGrpcStatus } from "../../lib/gateways/grpc/grpc-errors";
import { DatabaseUnavailableError } from "../../domain/errors/catalog";

describe("toGrpcStatus", () => {
	it("names each broken rule's field and rule in INVALID_ARGUMENT", () => {
		const err = new Errors.ValidationError("bad", "VALIDATION_ERROR", [
			{ field: "user_id", type: "numberPositive", message: "The 'user_id' field must be a positive number." },
			{ field: "order_products", type: "arrayMin", message: "The 'order_products' field must contain at least 1 items." },
		]);
		expect(toGrpcStatus(err, false)).toMatchObject({
			code: Status.INVALID_ARGUMENT,
			details: "user_id (numberPositive): The 'user_id' field must be a positive number.; order_products (arrayMin): The 'order_products' field must contain at least 1 items.",
		});
	});

	it.each([
		["the database", new DatabaseUnavailableError()],
		["no orders node", new Errors.ServiceNotFoundError({ action: "orders.get" })],
		["a broker timeout", new Errors.RequestTimeoutError({ action: "orders.get", nodeID: "n1" })],
	])("is UNAVAILABLE for %s", (_what, err) => {
		expect(toGrpcStatus(err, false).code).toBe(Status.UNAVAILABLE);
	});

	it("is DEADLINE_EXCEEDED once the call's deadline has passed, whatever failed", () => {
		expect(toGrpcStatus(new Errors.RequestTimeoutError({ action: "orders.get", nodeID: "n1" }), true).code).toBe(Status.DEADLINE_EXCEEDED);
	});

	it("says nothing internal in INTERNAL", () => {
		const status = toGrpcStatus(new Error('relation "orders" does not exist at node-7 orders.create'), false);
		expect(status.code).toBe(Status.INTERNAL);
		expect(status.details).not.toMatch(/relation|node-7|orders\.create/);
	});
});
