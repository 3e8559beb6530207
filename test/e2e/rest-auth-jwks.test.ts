/**
 * Authentication with an identity provider's keys (AUTH_JWKS_URL): a real HTTP
 * server on 127.0.0.1 serves a JWKS made with jose; tokens it signed pass,
 * tokens of another key, another issuer or audience, or HS256 do not.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type CryptoKey } from "jose";
import { EXAMPLE_BODY, post, randomUserId, startRestNode, type RestNode } from "./rest-support";
import { bearer, token, type TokenOptions } from "../support/tokens";

const ISSUER = "https://id.example.test";
const AUDIENCE = "orders-api";
const KID = "provider-key-1";

let node: RestNode;
let jwks: Server;
let providerKey: CryptoKey;
let jwksRequests = 0;

/** A token as the provider signs it; `opts` changes one thing about it. */
const providerToken = (sub: number, opts: TokenOptions = {}) =>
	token(sub, { alg: "ES256", kid: KID, key: providerKey, ...opts, claims: { iss: ISSUER, aud: AUDIENCE, ...opts.claims } });

beforeAll(async () => {
	const pair = await generateKeyPair("ES256");
	providerKey = pair.privateKey;
	const body = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: KID, alg: "ES256", use: "sig" }] });
	jwks = createServer((_req, res) => {
		jwksRequests++;
		res.writeHead(200, { "content-type": "application/json" }).end(body);
	});
	await new Promise<void>((done) => jwks.listen(0, "127.0.0.1", done));
	const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
	node = await startRestNode({ AUTH_JWKS_URL: url, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE });
});

afterAll(async () => {
	await node?.stop();
	await new Promise((done) => jwks?.close(done));
});

it("accepts a token the provider signed, fetching its keys over HTTP", async () => {
	const user = randomUserId();
	const res = await post(node.base, { ...EXAMPLE_BODY, user_id: user }, bearer(await providerToken(user)));
	expect(res.status).toBe(201);
	expect(res.body.user_id).toBe(user);
	expect(jwksRequests).toBeGreaterThan(0);
});

it.each<[string, () => Promise<TokenOptions>]>([
	["signed by another key under the provider's key id", async () => ({ key: (await generateKeyPair("ES256")).privateKey })],
	["from another issuer", async () => ({ claims: { iss: "https://evil.example.test" } })],
	["for another audience", async () => ({ claims: { aud: "another-api" } })],
	["HS256 with a guessed secret (no shared secret with a JWKS)", async () => ({ alg: "HS256", key: new TextEncoder().encode("k".repeat(32)) })],
])("refuses a token %s: 401", async (_name, change) => {
	const user = randomUserId();
	const res = await post(node.base, { ...EXAMPLE_BODY, user_id: user }, bearer(await providerToken(user, await change())));
	expect(res.status).toBe(401);
	expect(res.body).toMatchObject({ code: 401, type: "INVALID_TOKEN" });
	expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
});
