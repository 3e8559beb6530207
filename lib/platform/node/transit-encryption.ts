/**
 * TRANSIT_KEY: every packet between nodes is AES-256-CBC encrypted with a key
 * derived from the shared secret (Moleculer's Encryption middleware). A node
 * without the key can neither read the cluster's requests and replies nor join
 * it: its packets do not decrypt. The IV is fixed (derived from the key too),
 * which Moleculer's middleware requires: equal packets give equal ciphertext,
 * and nothing authenticates a packet; docs/security.md says what that means.
 */
import { createHash } from "node:crypto";
import { Middlewares, type Middleware } from "moleculer";

declare module "moleculer" {
	/** Exported by moleculer 0.15 at run time (index.js) but absent from its typings. */
	export const Middlewares: {
		Transmit: { Encryption(key: Buffer, algorithm: string, iv: Buffer): Middleware };
	};
}

const derive = (label: string, secret: string): Buffer => createHash("sha256").update(`${label}:${secret}`).digest();

export function transitEncryption(sharedKey: string): Middleware {
	return Middlewares.Transmit.Encryption(derive("orders-transit-key", sharedKey), "aes-256-cbc", derive("orders-transit-iv", sharedKey).subarray(0, 16));
}
