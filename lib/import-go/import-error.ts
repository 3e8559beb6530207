/** An expected failure of the import, printed as its one line. */
import { Client } from "pg";

export class ImportError extends Error {
	override name = "ImportError";
}

/** A URL without its password, fit for a message. */
export const redact = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1@");

function reason(err: unknown): string {
	const e = err as { message?: string; code?: string };
	// Node's dual-stack connect fails with an AggregateError whose message is empty.
	return ((e?.message || e?.code) ?? String(err)).split("\n")[0];
}

/** A connected client, or an ImportError `cannot connect to <url>: <reason>`. */
export async function connectOrExplain(url: string): Promise<Client> {
	let client: Client;
	try {
		client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
	} catch (err) {
		throw new ImportError(`cannot connect to ${redact(url)}: ${reason(err)}`);
	}
	client.on("error", () => undefined); // a dropped connection fails the running query, which says why
	try {
		await client.connect();
		return client;
	} catch (err) {
		await client.end().catch(() => undefined);
		throw new ImportError(`cannot connect to ${redact(url)}: ${reason(err)}`);
	}
}
