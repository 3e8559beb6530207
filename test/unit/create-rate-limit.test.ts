import type { IncomingMessage } from "node:http";
import { createRateLimitKey, retryAfterSeconds } from "../../lib/gateways/create-rate-limit";
import { token } from "../support/tokens";

const request = (method: string, action: string, authorization?: string) =>
	({ method, $alias: { action }, headers: { authorization, "x-forwarded-for": "203.0.113.9" }, socket: { remoteAddress: "10.1.2.3" } }) as unknown as IncomingMessage;

describe("the create rate limit key", () => {
	it("counts only creates", () => {
		expect(createRateLimitKey(false)(request("GET", "orders.list"))).toBe("");
		expect(createRateLimitKey(false)(request("POST", "api-gateway.ping"))).toBe("");
	});

	it("counts by the connection's address without authentication, never by X-Forwarded-For (a client writes it)", () => {
		expect(createRateLimitKey(false)(request("POST", "orders.create"))).toBe("ip:10.1.2.3");
	});

	it("counts by the token's user with authentication on, by address for a request without a token", async () => {
		expect(createRateLimitKey(true)(request("POST", "orders.create", `Bearer ${await token(42)}`))).toBe("user:42");
		expect(createRateLimitKey(true)(request("POST", "orders.create"))).toBe("ip:10.1.2.3");
		expect(createRateLimitKey(true)(request("POST", "orders.create", "Bearer garbage"))).toBe("ip:10.1.2.3");
	});
});

it("Retry-After is the whole seconds to the end of the clock-aligned window, at least 1", () => {
	expect(retryAfterSeconds(60_000, 120_000)).toBe(60);
	expect(retryAfterSeconds(60_000, 179_001)).toBe(1);
	expect(retryAfterSeconds(60_000, 179_999)).toBe(1);
	expect(retryAfterSeconds(60_000, 150_500)).toBe(30);
});
