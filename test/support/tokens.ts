/** Bearer tokens as an identity provider would sign them (jose, the library the service verifies with). */
import { SignJWT, type CryptoKey, type JWTPayload } from "jose";

export const AUTH_SECRET = "a-shared-hs256-secret-of-at-least-32-characters";
export const OPERATOR = { scope: "orders:operator" };

export interface TokenOptions {
	claims?: JWTPayload;
	/** Seconds from now; negative: already expired. */
	expiresIn?: number;
	key?: Uint8Array | CryptoKey;
	alg?: string;
	kid?: string;
}

export async function token(sub: number | string | undefined, opts: TokenOptions = {}): Promise<string> {
	const jwt = new SignJWT({ ...opts.claims })
		.setProtectedHeader({ alg: opts.alg ?? "HS256", kid: opts.kid })
		.setIssuedAt()
		.setExpirationTime(Math.floor(Date.now() / 1000) + (opts.expiresIn ?? 300));
	if (sub !== undefined) jwt.setSubject(String(sub));
	return jwt.sign(opts.key ?? new TextEncoder().encode(AUTH_SECRET));
}

export const bearer = (jwt: string): Record<string, string> => ({ authorization: `Bearer ${jwt}` });
