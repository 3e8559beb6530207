/** What the runner hands every figure: the run's settings and where things are. */
export interface BenchContext {
	/** `--quick`: smaller counts and shorter rounds, same figures. */
	quick: boolean;
	/** Unique per run: names databases, topics, groups and the Moleculer namespace. */
	run: string;
	/** The PostgreSQL server's URL; each figure makes its own database on it. */
	databaseUrl: string;
	brokers: string[];
	partitions: number;
	/** Connections a service's pool may open (DB_POOL_MAX): raw baselines get the same. */
	dbPoolMax: number;
	/** Flags for the node processes (e.g. --cpu-prof). */
	nodeFlags: string[];
	/** Resident memory of each node kind, filled in as the figures run. */
	memory: Record<string, number>;
	log(line: string): void;
}

/** Topics and consumer groups of their own for one benchmark run. */
export function kafkaNames(base: string): Record<string, string> {
	return {
		ORDER_TOPIC: `${base}-order`,
		RESERVE_TOPIC: `${base}-reserve`,
		PAYMENT_TOPIC: `${base}-payment`,
		RESERVE_GROUP: `${base}-reserve`,
		PAYMENT_GROUP: `${base}-payment`,
	};
}

/** The environment of a node of this run: its own namespace, database and topics. */
export function nodeEnv(ctx: BenchContext, databaseUrl: string, prefix: string): Record<string, string> {
	const base = `bench-${ctx.run}-${prefix}`;
	return {
		DATABASE_URL: databaseUrl,
		KAFKA_BROKERS: ctx.brokers.join(","),
		KAFKA_PARTITIONS: String(ctx.partitions),
		NAMESPACE: base,
		...kafkaNames(base),
		LOG_LEVEL: "warn",
		// The figures measure the service's cost, not a limit an operator may set on callers.
		RATE_LIMIT_CREATE: "0",
		KAFKAJS_NO_PARTITIONER_WARNING: "1",
	};
}

export const sagaTopics = (env: Record<string, string>) => ({ order: env.ORDER_TOPIC, reserve: env.RESERVE_TOPIC, payment: env.PAYMENT_TOPIC });
