/**
 * The runner of every process node (`npm start`, `npm run start:prod`, `npm run dev`):
 * moleculer-runner (its command line, config file, --repl, --hot), given the node's
 * service files, and owning the process's start and stop, which the stock runner and
 * broker get wrong for us:
 *
 * - Broker options come from moleculer.config only, which reads
 *   lib/platform/config/config.ts. The stock runner also lays every environment
 *   variable named like a broker option over them (TRACING=zipkin would replace the
 *   `tracing` options with the string "zipkin"), which would give a setting two meanings.
 * - SIGINT/SIGTERM are the runner's (the broker never registers its own): the broker's
 *   handler exits as soon as the node stops (npm start stops its Kafka after it) and
 *   stops the node in the middle of its start. Here a signal during start-up lets the
 *   steps under way finish, begins no new one (stop-request.ts), and then stops.
 * - A start that fails stops what started and rejects (the caller says why in one
 *   line); the stock runner logs a stack and exits at once.
 */
import cluster from "node:cluster";
import { Runner, type BrokerOptions, type ServiceBroker } from "moleculer";
import { kafkaBrokers, type Config } from "../config/config";
import { usesKafka } from "../startup/service-needs";
import { cannotStart } from "../startup/cannot-start";
import { requestStop } from "./stop-request";

/** Says one line: through the node's logger once there is a node, on stdout before. */
export type Say = (line: string) => void;

/** What a process does around its node. */
export interface NodeSteps {
	/** Before the node is built, under the runner's signal handling (checks; npm start: the bootstrap). */
	before?: (say: Say) => Promise<void>;
	/** Once the node runs, before it says so (npm start: the migrations it applied). */
	running?: (broker: ServiceBroker) => void;
	/** After the node has stopped or failed to start, before the process ends (npm start: its Kafka). */
	after?: (say: Say) => Promise<void>;
}

export class NodeRunner extends Runner {
	private stopSignal?: NodeJS.Signals;
	private running = false;
	/** A broker whose services did not all load never started: there is nothing to stop. */
	private servicesLoaded = false;

	constructor(
		private readonly cfg: Config,
		/** The files of the services in SERVICES, one per name. */
		private readonly serviceFiles: readonly string[],
		private readonly steps: NodeSteps = {},
	) {
		super();
	}

	/** Broker options from moleculer.config only (the file comment says why). */
	override overwriteFromEnv(options: unknown): unknown {
		return options;
	}

	override mergeOptions(configFromFile: Partial<BrokerOptions>): void {
		super.mergeOptions(configFromFile);
		// The signals are the runner's, whatever a config file says.
		this.config.skipProcessEventRegistration = true;
	}

	/**
	 * The stock runner reads file paths from SERVICES; here SERVICES keeps the one meaning
	 * config.ts gives it (service names), which a hot restart reads again.
	 */
	override loadServices(): void {
		this.servicesLoaded = false;
		for (const file of this.serviceFiles) this.broker?.loadService(file);
		this.servicesLoaded = true;
	}

	/** Resolves once the node runs; rejects, once what started has stopped, if it cannot start. */
	override async start(argv: string[]): Promise<void> {
		this.processFlags(argv);
		const instances = this.flags?.instances;
		// --instances: this process only forks workers (each runs this file again) and forwards signals to them.
		if (instances !== undefined && cluster.isPrimary) return this.startWorkers(instances);
		process.on("SIGINT", this.onSignal).on("SIGTERM", this.onSignal);
		try {
			await this.steps.before?.(this.say);
			if (!this.stopSignal) await this.launch();
		} catch (err) {
			await this.halt();
			throw err;
		}
		if (this.stopSignal) await this.stopAndExit(this.stopSignal);
	}

	/** --hot: the stock restart, but a reload that fails ends the process as a failed start does. */
	override async restartBroker(): Promise<ServiceBroker> {
		this.running = false;
		try {
			await this.broker?.stop();
			this.servicesLoaded = false; // stopped: nothing left to stop should the restart fail
			const broker = await this.launch();
			if (this.stopSignal) await this.stopAndExit(this.stopSignal);
			return broker;
		} catch (err) {
			await this.halt();
			cannotStart(err);
		}
	}

	private async launch(): Promise<ServiceBroker> {
		this.loadEnvFile();
		// Typed as void in moleculer's declarations; it resolves to the config file's options.
		this.mergeOptions((await this.loadConfigFile()) as unknown as Partial<BrokerOptions>);
		const broker = await this.startBroker();
		if (this.stopSignal) return broker;
		this.running = true;
		this.steps.running?.(broker);
		broker.logger.info(`node ${broker.nodeID} runs: ${this.cfg.services.join(", ")}${usesKafka(this.cfg.services) ? ` (Kafka ${kafkaBrokers(this.cfg).join(",")})` : ""}`);
		return broker;
	}

	private readonly say: Say = (line) => (this.broker ? this.broker.logger.info(line) : process.stdout.write(`orders: ${line}\n`));

	private readonly onSignal = (signal: NodeJS.Signals): void => {
		if (this.stopSignal) return;
		this.stopSignal = signal;
		if (this.running) return void this.stopAndExit(signal);
		this.say(`${signal} during start-up: stopping once the steps under way have finished`);
		if (this.broker) requestStop(this.broker);
	};

	private async stopAndExit(signal: NodeJS.Signals): Promise<never> {
		this.say(`${signal}: stopping the node`);
		await this.halt();
		process.exit(0);
	}

	private async halt(): Promise<void> {
		this.running = false;
		if (this.broker && this.servicesLoaded) await this.broker.stop();
		await this.steps.after?.(this.say);
	}
}

/** Runs this process's node with moleculer-runner's command line (`--config`, --repl, --hot, ...). */
export async function runNode(argv: string[], cfg: Config, serviceFiles: readonly string[], steps: NodeSteps = {}): Promise<void> {
	await new NodeRunner(cfg, serviceFiles, steps).start(argv);
}
