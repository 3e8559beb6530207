import { Errors, ServiceBroker } from "moleculer";
import { ERROR_CATALOG, ForbiddenError, OrderNotFoundError } from "../../domain/errors/catalog";
import { publicError } from "../../lib/gateways/orders-http-errors";
import { CatalogRegenerator } from "../../lib/platform/node/error-regenerator";

describe("the error catalog", () => {
	const regenerator = new CatalogRegenerator();
	regenerator.init(new ServiceBroker({ logger: false, nodeID: "caller" }));

	/** What the transporter does to an error: a plain object on the wire, rebuilt on the caller's node. */
	const overTheWire = (err: Error): Error => regenerator.restore(JSON.parse(JSON.stringify(regenerator.extractPlainError(err))), {});

	it.each([...ERROR_CATALOG.entries()])("rebuilds %s as its own class, with its message, code and data", (type, cls) => {
		const restored = overTheWire(new cls("what went wrong", { order_id: 7 }));
		expect(restored).toBeInstanceOf(cls);
		expect(restored).toMatchObject({ message: "what went wrong", type, data: { order_id: 7 } });
	});

	it("leaves Moleculer's own errors to Moleculer", () => {
		expect(overTheWire(new Errors.ServiceNotFoundError({ action: "orders.get" }))).toBeInstanceOf(Errors.ServiceNotFoundError);
	});

	it("shows a client the catalog's errors as they are, and nothing of an error that only looks like one", () => {
		expect(publicError(OrderNotFoundError.of(404))).toEqual({ name: "NotFoundError", message: "Order 404 not found", code: 404, type: "ORDER_NOT_FOUND", data: { order_id: 404 } });
		expect(publicError(new ForbiddenError("not yours"))).toMatchObject({ code: 403, type: "FORBIDDEN", message: "not yours" });
		const lookalike = new Errors.MoleculerClientError("SELECT secret", 404, "ORDER_NOT_FOUND", null);
		expect(publicError(lookalike)).toMatchObject({ code: 500, type: "INTERNAL_ERROR" });
	});
});
