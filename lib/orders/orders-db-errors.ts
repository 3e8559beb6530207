/**
 * What a database failure means to a caller: PostgreSQL unreachable or going
 * away is a 503 (the transaction did not commit, so nothing is half-done);
 * anything else is an internal error whose details stay in the log.
 */
import { Errors } from "moleculer";
import { ConnectionError } from "sequelize";

// SQLSTATE classes/codes for "the server is not there for you right now".
const UNAVAILABLE_CODES = /^(08|57P0[123]|53300|53400)/;
const UNAVAILABLE_MESSAGES = /Connection terminated|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|timeout exceeded when trying to connect/i;

export function isDatabaseUnavailable(err: unknown): boolean {
	if (err instanceof ConnectionError) return true;
	const e = err as { parent?: { code?: unknown; message?: unknown }; original?: { code?: unknown }; message?: unknown } | null;
	const code = String(e?.parent?.code ?? e?.original?.code ?? "");
	const message = String(e?.parent?.message ?? e?.message ?? "");
	return UNAVAILABLE_CODES.test(code) || UNAVAILABLE_MESSAGES.test(message);
}

/**
 * Not retryable by the broker: a connection lost during COMMIT may still have
 * committed, and a create without Idempotency-Key must not run twice.
 */
export class DatabaseUnavailableError extends Errors.MoleculerError {
	constructor() {
		super("The database is unavailable, try again later", 503, "DATABASE_UNAVAILABLE");
		this.name = "ServiceUnavailableError";
	}
}

/** Rethrows a database failure as an error fit for the caller. Moleculer errors pass through. */
export function toServiceError(err: unknown, log: (...args: unknown[]) => void): never {
	if (err instanceof Errors.MoleculerError) throw err;
	if (isDatabaseUnavailable(err)) {
		log("Database unavailable:", (err as Error)?.message);
		throw new DatabaseUnavailableError();
	}
	log("Database error:", err);
	// Not a MoleculerServerError: that one is retryable, and a failed statement fails again.
	throw new Errors.MoleculerError("Internal error", 500, "INTERNAL_ERROR");
}
