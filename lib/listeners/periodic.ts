/** A job run every `everyMs`, one run at a time; stop() waits for the run under way. The job handles its own errors. */
export class Periodic {
	private timer?: NodeJS.Timeout;
	private running?: Promise<void>;
	private stopped = false;

	constructor(
		private readonly everyMs: number,
		private readonly job: () => Promise<void>,
	) {}

	start(): void {
		this.timer = setTimeout(() => this.tick(), this.everyMs);
	}

	async stop(): Promise<void> {
		this.stopped = true;
		clearTimeout(this.timer);
		await this.running;
	}

	private tick(): void {
		this.running = this.job().finally(() => {
			if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.everyMs);
		});
	}
}
