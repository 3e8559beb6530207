/**
 * Is a failure the world being away for a while (retry, never give up on the
 * work), or the work itself being wrong (retrying the same input fails the same
 * way)? One answer for every caller: the listeners wait on "unavailable" and
 * dead-letter on "processing"; the REST side answers 503 on "unavailable".
 *
 *   unavailable: PostgreSQL connection failures (SQLSTATE class 08), the server
 *     shutting down or starting (57P01..57P03), out of connections or disk
 *     (53300, 53400), a lost or refused socket, a deadlock or serialization
 *     failure (40001, 40P01: another try succeeds), a call no node could take
 *     (the state service away, a timeout).
 *   processing: everything else, above all the values the database refuses
 *     (22xxx data, 23xxx constraints, 42xxx statements, P0001 raised) and bugs.
 */
import { Errors } from "moleculer";
import { ConnectionError } from "sequelize";

export type FailureKind = "unavailable" | "processing";

const UNAVAILABLE_SQLSTATES = /^(08|57P0[123]$|53300$|53400$|40001$|40P01$)/;
// pg's "Client has encountered a connection error and is not queryable" / "Client was closed and is not
// queryable": a statement (or COMMIT) on a connection already lost, so nothing was sent.
const UNAVAILABLE_MESSAGES =
	/Connection terminated|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|timeout exceeded when trying to connect|is not queryable/i;
/** Moleculer's "no node could take this call (now)" errors, and Redis away. */
const UNAVAILABLE_MOLECULER = new Set([
	"ServiceNotFoundError",
	"ServiceNotAvailableError",
	"RequestTimeoutError",
	"RequestRejectedError",
	"RequestSkippedError",
	"QueueIsFullError",
	"BrokerDisconnectedError",
	"ServiceUnavailableError",
	"MaxRetriesPerRequestError", // ioredis: Redis away
]);
/** Set by a service that already classified its failure (lib/platform/support/failure-kind.ts on its node). */
export const UNAVAILABLE_TYPE = "DEPENDENCY_UNAVAILABLE";
export const PROCESSING_TYPE = "PROCESSING_ERROR";

interface ErrorLike {
	name?: unknown;
	code?: unknown;
	type?: unknown;
	message?: unknown;
	parent?: ErrorLike;
	original?: ErrorLike;
	cause?: ErrorLike;
	errors?: ErrorLike[];
}

function unavailable(e: ErrorLike | undefined, depth = 0): boolean {
	if (!e || typeof e !== "object" || depth > 4) return false;
	if (e instanceof ConnectionError || e.type === UNAVAILABLE_TYPE) return true;
	if (UNAVAILABLE_MOLECULER.has(String(e.name))) return true;
	if (UNAVAILABLE_SQLSTATES.test(String(e.code ?? "")) || UNAVAILABLE_MESSAGES.test(String(e.message ?? ""))) return true;
	// Sequelize wraps the driver's error (parent/original), Node a dual-stack connect (AggregateError.errors).
	return [e.parent, e.original, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])].some((inner) => unavailable(inner, depth + 1));
}

export function failureKind(err: unknown): FailureKind {
	const e = err as ErrorLike | undefined;
	if (e?.type === PROCESSING_TYPE) return "processing";
	return unavailable(e) ? "unavailable" : "processing";
}

/** The driver's SQLSTATE, when the failure carries one. */
export function sqlState(err: unknown): string | undefined {
	const e = err as ErrorLike | undefined;
	const code = e?.parent?.code ?? e?.original?.code ?? e?.code;
	return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * The failure as a Moleculer error that keeps its kind across the transporter
 * (a remote caller gets name, message, code, type and data, not the driver's
 * error). Neither is retryable by the broker: the caller decides.
 */
export function classifiedError(err: unknown): Errors.MoleculerError {
	if (err instanceof Errors.MoleculerError) return err;
	const message = err instanceof Error ? err.message : String(err);
	const sqlstate = sqlState(err);
	return failureKind(err) === "unavailable"
		? new Errors.MoleculerError(message, 503, UNAVAILABLE_TYPE, { sqlstate })
		: new Errors.MoleculerError(message, 500, PROCESSING_TYPE, { sqlstate });
}

/** For `.catch()` where the driver's error is at hand: a caller on another node gets only the Moleculer form. */
export function rethrowClassified(err: unknown): never {
	throw classifiedError(err);
}
