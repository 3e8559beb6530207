/**
 * LISTEN on one PostgreSQL channel over a dedicated connection (a pooled one
 * would lose the LISTEN when returned). When the connection drops it reconnects
 * with bounded exponential backoff; after every (re)connect it calls `onNotify`
 * once, since notifications sent while it was away are gone.
 */
import { Client } from "pg";

export interface PgListenerOptions {
	connectionString: string;
	channel: string;
	/** Shown in pg_stat_activity. */
	applicationName?: string;
	onNotify: () => void;
	/** Called once when the connection is lost (not on every failed retry) and once when it is back. */
	onDown?: (err: Error) => void;
	onUp?: () => void;
	maxBackoffMs?: number;
}

export class PgListener {
	private client: Client | null = null;
	private stopped = false;
	private down = false;
	private retryTimer: NodeJS.Timeout | null = null;
	private backoffMs = 100;

	constructor(private readonly options: PgListenerOptions) {}

	/** Resolves after the first attempt; a failure there is retried in the background. */
	async start(): Promise<void> {
		await this.connect();
	}

	async stop(): Promise<void> {
		this.stopped = true;
		if (this.retryTimer) clearTimeout(this.retryTimer);
		const client = this.client;
		this.client = null;
		await client?.end().catch(() => undefined);
	}

	private async connect(): Promise<void> {
		if (this.stopped) return;
		const client = new Client({
			connectionString: this.options.connectionString,
			application_name: this.options.applicationName,
			keepAlive: true,
			connectionTimeoutMillis: 5_000,
		});
		let lost = false;
		const onLost = (err: Error) => {
			if (lost) return;
			lost = true;
			client.removeAllListeners("notification");
			client.end().catch(() => undefined);
			if (this.client === client) this.client = null;
			this.failed(err);
		};
		client.on("error", onLost);
		client.on("end", () => onLost(new Error("LISTEN connection closed")));
		try {
			await client.connect();
			await client.query(`LISTEN "${this.options.channel.replace(/"/g, '""')}"`);
		} catch (err) {
			onLost(err as Error);
			return;
		}
		if (this.stopped) {
			await client.end().catch(() => undefined);
			return;
		}
		client.on("notification", () => this.options.onNotify());
		this.client = client;
		this.backoffMs = 100;
		if (this.down) {
			this.down = false;
			this.options.onUp?.();
		}
		this.options.onNotify(); // whatever was committed while we were not listening
	}

	private failed(err: Error): void {
		if (this.stopped) return;
		if (!this.down) {
			this.down = true;
			this.options.onDown?.(err);
		}
		const delay = this.backoffMs;
		this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 5_000);
		this.retryTimer = setTimeout(() => void this.connect(), delay);
	}
}
