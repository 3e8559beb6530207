/**
 * A Kafka message's headers as stored in PostgreSQL (parked_messages,
 * dead_letters): name -> base64, so they survive JSON byte for byte.
 */
import type { IHeaders } from "kafkajs";

/** Headers as name -> base64, so they survive JSON and a parked row byte for byte (a repeated header keeps its first value). */
export function encodeHeaders(headers: IHeaders | undefined): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers ?? {})) {
		const first = Array.isArray(value) ? value[0] : value;
		// A null value (written by another client) cannot be produced again: left out.
		if (first !== undefined && first !== null) out[name] = Buffer.from(first).toString("base64");
	}
	return out;
}

export function decodeHeaders(headers: Record<string, string>): IHeaders {
	return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Buffer.from(value, "base64")]));
}
