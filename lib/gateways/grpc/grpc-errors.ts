/**
 * What a gRPC client sees of an error: the REST gateway's judgement
 * (lib/gateways/orders-http-errors.ts: what is safe to show, what means
 * "unavailable") turned into a gRPC status. A broken rule names each field and
 * rule in the message; anything unknown is INTERNAL with no internals.
 */
import { Metadata, status as Status, type StatusObject } from "@grpc/grpc-js";
import { publicError } from "../orders-http-errors";

/** REST status -> gRPC code (the REST 409, a key reused for another request, is ALREADY_EXISTS). */
const BY_HTTP_STATUS: Record<number, Status> = {
	400: Status.INVALID_ARGUMENT,
	401: Status.UNAUTHENTICATED,
	403: Status.PERMISSION_DENIED,
	404: Status.NOT_FOUND,
	409: Status.ALREADY_EXISTS,
	413: Status.RESOURCE_EXHAUSTED,
	422: Status.INVALID_ARGUMENT,
	503: Status.UNAVAILABLE,
};

/** An error the gateway raises itself, already in gRPC terms. */
export class GrpcError extends Error {
	override name = "GrpcError";
	constructor(
		readonly code: Status,
		message: string,
	) {
		super(message);
	}
}

export const invalidArgument = (field: string, rule: string, message: string): GrpcError =>
	new GrpcError(Status.INVALID_ARGUMENT, `${field} (${rule}): ${message}`);

function status(code: Status, details: string): Partial<StatusObject> {
	return { code, details, metadata: new Metadata() };
}

/** `deadlineMissed`: the call's deadline has passed, so a timeout is the client's own DEADLINE_EXCEEDED. */
export function toGrpcStatus(err: unknown, deadlineMissed: boolean): Partial<StatusObject> {
	if (err instanceof GrpcError) return status(err.code, err.message);
	if (deadlineMissed) return status(Status.DEADLINE_EXCEEDED, "The deadline passed before the call finished");
	const pub = publicError(err);
	const code = BY_HTTP_STATUS[pub.code] ?? Status.INTERNAL;
	if (code === Status.INVALID_ARGUMENT && Array.isArray(pub.data) && pub.data.length > 0) {
		const rules = pub.data as Array<{ field: string; type: string; message: string }>;
		return status(code, rules.map((r) => `${r.field} (${r.type}): ${r.message}`).join("; "));
	}
	return status(code, pub.message);
}
