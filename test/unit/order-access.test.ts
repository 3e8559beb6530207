import { listedUser, mayAccess } from "../../domain/order-access";

describe("order access", () => {
	const user = { userId: 7, operator: false };
	const operator = { userId: null, operator: true };

	it("without authentication every caller is trusted", () => {
		expect(mayAccess(undefined, 9)).toBe(true);
		expect(mayAccess(null, 9)).toBe(true);
		expect(listedUser(undefined, undefined)).toBeUndefined();
		expect(listedUser(undefined, 9)).toBe(9);
	});

	it("a user reaches only their own orders", () => {
		expect(mayAccess(user, 7)).toBe(true);
		expect(mayAccess(user, 8)).toBe(false);
		expect(listedUser(user, undefined)).toBe(7);
		expect(listedUser(user, 7)).toBe(7);
		expect(listedUser(user, 8)).toBe("forbidden");
	});

	it("an operator reaches everyone's", () => {
		expect(mayAccess(operator, 8)).toBe(true);
		expect(listedUser(operator, undefined)).toBeUndefined();
		expect(listedUser(operator, 8)).toBe(8);
	});
});
