/**
 * Who is calling: a bearer token (JWT) verified against AUTH_JWT_SECRET (HS256)
 * or the identity provider's keys at AUTH_JWKS_URL. One module for every
 * gateway: REST passes the Authorization header, gRPC its `authorization`
 * metadata. The answer travels to the orders service as `ctx.meta.user`.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from "jose";
import { AuthKeysUnavailableError, InvalidTokenError, isAuthenticationError, MissingTokenError } from "../../domain/errors/catalog";
import type { Caller } from "../../domain/order-access";
import { toUserId } from "../../domain/order-input";
import type { AuthConfig } from "../platform/config/config";

/** The scope that reads (and creates for) every user. */
export const OPERATOR_SCOPE = "orders:operator";

export type Authenticate = (authorization: string | undefined) => Promise<Caller>;

/** Asymmetric algorithms an identity provider signs with; never "none" or HS* against a public key. */
const JWKS_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
const CLOCK_TOLERANCE_S = 5;


/** RFC 6750's WWW-Authenticate value for a 401 of this module. */
export function bearerChallenge(type: string): string {
	return type === "INVALID_TOKEN" ? 'Bearer realm="orders", error="invalid_token"' : 'Bearer realm="orders"';
}

function bearerToken(authorization: string | undefined): string {
	const match = /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(authorization ?? "");
	if (!match) {
		const message = "A bearer token is required (Authorization: Bearer <token>)";
		throw authorization ? new InvalidTokenError(message) : new MissingTokenError(message);
	}
	return match[1];
}

/** The claim as a user id (domain/order-input.ts): a non-zero safe integer, as a JSON number or a decimal string. */
const userIdOf = (value: unknown): number | null => (typeof value === "number" || typeof value === "string" ? toUserId(value) : null);

/** OAuth's `scope` is a space-separated string (RFC 8693); some providers send a list (`scp`). */
function scopesOf(payload: JWTPayload): string[] {
	const scope = payload.scope ?? payload.scp;
	if (typeof scope === "string") return scope.split(" ");
	return Array.isArray(scope) ? scope.filter((s): s is string => typeof s === "string") : [];
}

function callerOf(payload: JWTPayload, userClaim: string): Caller {
	const operator = scopesOf(payload).includes(OPERATOR_SCOPE);
	const userId = userIdOf(payload[userClaim]);
	if (userId === null && !operator) throw new InvalidTokenError(`The token's '${userClaim}' claim is not a user id`);
	return typeof payload.sub === "string" ? { userId, operator, subject: payload.sub } : { userId, operator };
}

/** jose's verdict on a token (bad signature, expired, wrong issuer...) is the caller's problem; a JWKS fetch that failed is ours. */
function verificationError(err: unknown): Error {
	if (isAuthenticationError(err)) return err;
	const unreachable = err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || !(err instanceof errors.JOSEError);
	if (unreachable) return new AuthKeysUnavailableError();
	const message = err instanceof errors.JWTExpired ? "The bearer token has expired" : "The bearer token is not valid";
	return new InvalidTokenError(message);
}

/** Checks a token's signature and claims: with the shared secret, or with the provider's keys (fetched once, refetched for an unknown key id). */
function verifier(cfg: AuthConfig): (token: string) => Promise<{ payload: JWTPayload }> {
	const options: JWTVerifyOptions = { issuer: cfg.issuer, audience: cfg.audience, clockTolerance: CLOCK_TOLERANCE_S };
	if (cfg.secret) {
		const key = new TextEncoder().encode(cfg.secret);
		return (token) => jwtVerify(token, key, { ...options, algorithms: ["HS256"] });
	}
	const keys = createRemoteJWKSet(new URL(cfg.jwksUrl as string));
	return (token) => jwtVerify(token, keys, { ...options, algorithms: JWKS_ALGORITHMS });
}

export function createAuthenticator(cfg: AuthConfig): Authenticate {
	const verify = verifier(cfg);
	return async (authorization) => {
		const token = bearerToken(authorization);
		try {
			const { payload } = await verify(token);
			return callerOf(payload, cfg.userClaim);
		} catch (err) {
			throw verificationError(err);
		}
	};
}
