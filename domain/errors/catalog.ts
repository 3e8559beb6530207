/**
 * The errors the services throw, one class each, with a stable `type` (what a
 * client matches on) and an HTTP status as `code`. The gateways map them by class
 * (lib/gateways/orders-http-errors.ts, lib/gateways/grpc/grpc-errors.ts); `name`
 * is the public name REST shows. Every class takes (message, data), so the
 * broker's regenerator (lib/platform/node/error-regenerator.ts) can rebuild it
 * from its `type` on the caller's node.
 */
import { Errors } from "moleculer";

type MoleculerErrorClass = new (message: string, code: number, type: string, data: unknown) => Errors.MoleculerError;

export interface CatalogClass {
	new (message?: string, data?: unknown): Errors.MoleculerError;
	readonly TYPE: string;
}

/** A catalog class: `base` says whether a caller's mistake (client), a retryable outage, or neither. */
function catalogError(base: MoleculerErrorClass, type: string, code: number, name: string, defaultMessage = ""): CatalogClass {
	return class extends base {
		static readonly TYPE = type;
		override name = name;
		constructor(message = defaultMessage, data: unknown = null) {
			super(message, code, type, data);
		}
	};
}

export class OrderNotFoundError extends catalogError(Errors.MoleculerClientError, "ORDER_NOT_FOUND", 404, "NotFoundError") {
	static of(orderId: number): OrderNotFoundError {
		return new OrderNotFoundError(`Order ${orderId} not found`, { order_id: orderId });
	}
}

export class DeadLetterNotFoundError extends catalogError(Errors.MoleculerClientError, "DEAD_LETTER_NOT_FOUND", 404, "NotFoundError") {}

/** A route whose backing action this deployment does not run (the console without stuck orders, ...). */
export class NotOfferedError extends catalogError(Errors.MoleculerClientError, "NOT_FOUND", 404, "NotFoundError") {}

export class ForbiddenError extends catalogError(Errors.MoleculerClientError, "FORBIDDEN", 403, "ForbiddenError") {}

/** An Idempotency-Key already used with a different request. */
export class IdempotencyKeyReusedError extends catalogError(Errors.MoleculerClientError, "IDEMPOTENCY_KEY_REUSED", 409, "ConflictError") {}

/** 401 without a token at all (RFC 6750's challenge differs from a bad token's). */
export class MissingTokenError extends catalogError(Errors.MoleculerClientError, "UNAUTHORIZED", 401, "UnauthorizedError") {}

/** 401 for a token that is malformed, expired, badly signed or names no user. */
export class InvalidTokenError extends catalogError(Errors.MoleculerClientError, "INVALID_TOKEN", 401, "UnauthorizedError") {}

export const isAuthenticationError = (err: unknown): err is Errors.MoleculerError => err instanceof MissingTokenError || err instanceof InvalidTokenError;

/**
 * PostgreSQL unreachable or going away. Deliberately not a MoleculerRetryableError:
 * a connection lost during COMMIT may still have committed, and a create without
 * Idempotency-Key must not run twice, so the broker must not retry it.
 */
export class DatabaseUnavailableError extends catalogError(Errors.MoleculerError, "DATABASE_UNAVAILABLE", 503, "ServiceUnavailableError", "The database is unavailable, try again later") {}

/** The health check found a dependency down; `data` is the report. Not retryable: the report is the answer. */
export class DependencyDownError extends catalogError(Errors.MoleculerError, "DEPENDENCY_DOWN", 503, "ServiceUnavailableError") {}

/** The identity provider's keys could not be fetched: not the caller's fault, worth a retry (so clients get the generic 503). */
export class AuthKeysUnavailableError extends catalogError(Errors.MoleculerRetryableError, "AUTH_KEYS_UNAVAILABLE", 503, "ServiceUnavailableError", "The identity provider's keys are not reachable") {}

/** Every class of the catalog by its type (the regenerator's lookup). */
export const ERROR_CATALOG: ReadonlyMap<string, CatalogClass> = new Map(
	[
		OrderNotFoundError,
		DeadLetterNotFoundError,
		NotOfferedError,
		ForbiddenError,
		IdempotencyKeyReusedError,
		MissingTokenError,
		InvalidTokenError,
		DatabaseUnavailableError,
		DependencyDownError,
		AuthKeysUnavailableError,
	].map((cls) => [cls.TYPE, cls]),
);

/** An error of the catalog: its message and data are written for clients. */
export function isCatalogError(err: unknown): err is Errors.MoleculerError {
	for (const cls of ERROR_CATALOG.values()) if (err instanceof cls) return true;
	return false;
}

/** A broken input rule of our own (not fastest-validator's): one field, one rule. */
export const invalidField = (field: string, rule: string, message: string): Errors.ValidationError =>
	new Errors.ValidationError(message, "VALIDATION_ERROR", [{ field, type: rule, message }]);
