/**
 * What a client sees of an error: the contract's JSON {name, message, code,
 * type, data}, with no stack trace, SQL, node id or internal action name.
 * Anything not known to be safe becomes a plain 500 (the log keeps the detail).
 */
import { Errors } from "moleculer";
import ApiGateway from "moleculer-web";
import { isCatalogError } from "../../domain/errors/catalog";

export interface PublicError {
	name: string;
	message: string;
	code: number;
	type: string;
	data: unknown;
}

export const BODY_LIMIT_BYTES = 64 * 1024;

interface AnyError {
	name?: string;
	message?: string;
	code?: unknown;
	status?: unknown;
	type?: unknown;
	data?: unknown;
}

/** Moleculer and moleculer-web errors that mean "the service behind the route is not there" (the retryable ones: a node that left, a timeout, a full queue). */
function isUnavailable(err: unknown): boolean {
	return (
		err instanceof Errors.MoleculerRetryableError ||
		err instanceof Errors.RequestSkippedError ||
		err instanceof ApiGateway.Errors.ServiceUnavailableError ||
		// A remote error Moleculer could not rebuild keeps its flag.
		(err as { retryable?: unknown } | null)?.retryable === true
	);
}

/** moleculer-web's RateLimitExceeded has no type: named here. Retry-After is added by the gateway. */
const RATE_LIMITED: PublicError = { name: "TooManyRequestsError", message: "Too many orders created, try again later", code: 429, type: "RATE_LIMITED", data: null };

const INTERNAL: PublicError = { name: "InternalServerError", message: "Internal server error", code: 500, type: "INTERNAL_ERROR", data: null };

interface FieldError {
	field?: string;
	type?: string;
	message?: string;
	actual?: unknown;
}

/** One entry per broken rule: the field and the rule, nothing about the node or action. */
function fieldErrors(data: unknown): { field: string; type: string; message: string }[] {
	return (Array.isArray(data) ? (data as FieldError[]) : []).map((e) => {
		if (e.type === "objectStrict") {
			// fastest-validator names the object, not the unknown key: name the key.
			const field = [e.field, String(e.actual).split(", ")[0]].filter(Boolean).join(".");
			return { field, type: "unknownField", message: `The '${field}' field is not allowed.` };
		}
		return { field: e.field ?? "", type: e.type ?? "invalid", message: e.message ?? "Invalid value." };
	});
}

function bodyParserError(err: AnyError): PublicError {
	switch (err.type) {
		case "entity.parse.failed":
			return { name: "BadRequestError", message: "The request body is not valid JSON", code: 400, type: "INVALID_JSON", data: null };
		case "entity.too.large":
			return { name: "PayloadTooLargeError", message: `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KiB`, code: 413, type: "PAYLOAD_TOO_LARGE", data: { limit: BODY_LIMIT_BYTES } };
		default:
			// An unsupported charset or encoding: the body cannot be read as JSON, which the contract answers with 400.
			return { name: "BadRequestError", message: "The request body could not be read as JSON", code: 400, type: "INVALID_JSON", data: null };
	}
}

export function publicError(raw: unknown): PublicError {
	const err = (raw ?? {}) as AnyError;
	const type = typeof err.type === "string" ? err.type : "";
	const code = typeof err.code === "number" ? err.code : 0;
	// body-parser's errors ("entity.too.large", ...) reach us with their status as
	// `code` (moleculer-web wraps them) or as `status` (raw).
	const status = typeof err.status === "number" ? err.status : code;
	if (/^[a-z]+\.[a-z.]+$/.test(type) && status >= 400 && status < 500) return bodyParserError(err);
	if (raw instanceof ApiGateway.Errors.RateLimitExceeded) return { ...RATE_LIMITED };
	if (raw instanceof Errors.ValidationError) {
		const data = fieldErrors(err.data);
		const message = data.length > 0 ? data.map((e) => e.message).join(" ") : "The request breaks the input rules.";
		return { name: "ValidationError", message, code: 422, type: "VALIDATION_ERROR", data };
	}
	if (isUnavailable(raw)) {
		return { name: "ServiceUnavailableError", message: "The service is unavailable, try again later", code: 503, type: "SERVICE_UNAVAILABLE", data: null };
	}
	// moleculer-web's 404 for a path no route has is as safe to show as our own errors.
	if (isCatalogError(raw) || raw instanceof ApiGateway.Errors.NotFoundError) {
		return { name: raw.name, message: raw.message, code: raw.code, type: raw.type, data: raw.data ?? null };
	}
	return INTERNAL;
}
