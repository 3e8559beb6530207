/**
 * What a database failure means to a caller: PostgreSQL unreachable or going
 * away is a 503 (the transaction did not commit, so nothing is half-done);
 * anything else is an internal error whose details stay in the log.
 */
import { Errors } from "moleculer";
import { DatabaseUnavailableError } from "../../../domain/errors/catalog";
import { failureKind } from "./failure-kind";

export const isDatabaseUnavailable = (err: unknown): boolean => failureKind(err) === "unavailable";


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
