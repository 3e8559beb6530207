/** Which failures a listener waits out and which make a message a poison one. */
import { Errors } from "moleculer";
import { DatabaseError as PgError } from "pg";
import { ConnectionRefusedError, DatabaseError as SequelizeDatabaseError } from "sequelize";
import { classifiedError, failureKind, PROCESSING_TYPE, UNAVAILABLE_TYPE } from "../../lib/platform/support/failure-kind";

/** A driver error as pg builds it from the server's ErrorResponse, wrapped by Sequelize as a query fails. */
function queryFailure(sqlstate: string, message = `server said ${sqlstate}`): SequelizeDatabaseError {
	const driver = new PgError(message, 0, "error");
	driver.code = sqlstate;
	return new SequelizeDatabaseError(Object.assign(driver, { sql: "SELECT 1" }) as never);
}

const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });

describe("failureKind", () => {
	it.each([
		["08006 connection failure", queryFailure("08006")],
		["08001 cannot connect", queryFailure("08001")],
		["57P01 admin shutdown", queryFailure("57P01")],
		["57P02 crash shutdown", queryFailure("57P02")],
		["57P03 cannot connect now", queryFailure("57P03")],
		["53300 too many connections", queryFailure("53300")],
		["40P01 deadlock", queryFailure("40P01")],
		["40001 serialization failure", queryFailure("40001")],
		["ECONNREFUSED", socketError("ECONNREFUSED")],
		["ECONNRESET", socketError("ECONNRESET")],
		["a dual-stack connect refused twice", new AggregateError([socketError("ECONNREFUSED"), socketError("ECONNREFUSED")], "")],
		["pg's lost connection", queryFailure("", "Connection terminated unexpectedly")],
		["Sequelize refused connection", new ConnectionRefusedError(socketError("ECONNREFUSED"))],
		["no node runs state", new Errors.ServiceNotFoundError({ action: "state.applyBatch" })],
		["a call timed out", new Errors.RequestTimeoutError({ action: "state.applyBatch", nodeID: "n1" })],
		["ioredis gave up", Object.assign(new Error("Reached the max retries per request limit"), { name: "MaxRetriesPerRequestError" })],
		["classified on another node", { name: "MoleculerError", message: "gone", type: UNAVAILABLE_TYPE }],
	])("%s: unavailable", (_, err) => {
		expect(failureKind(err)).toBe("unavailable");
	});

	it.each([
		["22003 numeric value out of range", queryFailure("22003")],
		["22P02 invalid text representation", queryFailure("22P02")],
		["23505 unique violation", queryFailure("23505")],
		["23514 check violation", queryFailure("23514")],
		["42703 undefined column", queryFailure("42703")],
		["P0001 raised by a trigger", queryFailure("P0001")],
		["a bug", new TypeError("Cannot read properties of undefined (reading 'state')")],
		["a parameter the action refuses", new Errors.ValidationError("Parameters validation error!")],
		["classified on another node", { name: "MoleculerError", message: "value too long", type: PROCESSING_TYPE }],
		["not an Error at all", "boom"],
		["nothing", undefined],
	])("%s: processing", (_, err) => {
		expect(failureKind(err)).toBe("processing");
	});
});

describe("classifiedError", () => {
	it("keeps the kind and the SQLSTATE in fields that cross the transporter", () => {
		const refused = classifiedError(queryFailure("23514", "new row violates check constraint"));
		expect(refused).toMatchObject({ type: PROCESSING_TYPE, code: 500, data: { sqlstate: "23514" }, message: "new row violates check constraint" });
		expect(refused.retryable).toBe(false);
		expect(failureKind({ ...refused, name: refused.name, message: refused.message })).toBe("processing");

		const away = classifiedError(queryFailure("57P01"));
		expect(away).toMatchObject({ type: UNAVAILABLE_TYPE, code: 503, data: { sqlstate: "57P01" } });
		expect(failureKind({ name: away.name, message: away.message, type: away.type })).toBe("unavailable");
	});
});
