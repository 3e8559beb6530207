/**
 * What a run stands on, all its own: a private database (orders_chaos_*), a
 * private Kafka broker, topics, groups and a Moleculer namespace named after the
 * run, and a TCP proxy in front of PostgreSQL, Redis and Kafka that the nodes
 * reach them through. The broker's PROXIED listener advertises the Kafka proxy,
 * so clients that bootstrap through it also fetch through it and a cut really
 * cuts them; the run itself (simulator, readers) uses the broker directly.
 */
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kafka } from "kafkajs";
import { startLocalKafka, type BrokerSite } from "../kafka-local";
import { contractTopics, createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { freePort } from "../cluster/ports";
import { privateDatabase, type PrivateDatabase } from "../cluster/private-database";
import { startTcpProxy, type TcpProxy } from "../cluster/tcp-proxy";
import type { Topics } from "./facts";
import { CHAOS_OUT_OF_ORDER_WINDOW_MS, type Dependency } from "./schedule";

export interface Stage {
	run: string;
	db: PrivateDatabase;
	/** The private broker, reached directly (never cut). */
	kafka: Kafka;
	topics: Topics;
	groups: { reserve: string; payment: string; simulator: string };
	proxies: Record<Dependency, TcpProxy>;
	/** The environment of every node: dependencies through the proxies, the run's names. */
	nodeEnv: Record<string, string>;
	/** Where node logs (kept) and the private broker's data (removed) go. */
	dir: string;
	close(): Promise<void>;
}

const PARTITIONS = 3;

const proxyFor = (url: URL, fallbackPort: number) => startTcpProxy(url.hostname, Number(url.port || fallbackPort));

function throughProxy(url: string, proxy: TcpProxy): string {
	const moved = new URL(url);
	moved.hostname = "127.0.0.1";
	moved.port = String(proxy.port);
	return moved.toString();
}

export async function setUpStage(run: string, databaseUrl: string, redisUrl: string): Promise<Stage> {
	const dir = mkdtempSync(join(tmpdir(), `chaos-${run}-`));
	const home = join(dir, "kafka");
	// The node logs stay for the post-mortem; the private broker's data goes.
	const undo: Array<() => Promise<unknown>> = [async () => rmSync(home, { recursive: true, force: true })];
	const close = async () => {
		for (const step of undo.reverse()) await step().catch(() => undefined);
	};
	try {
		const db = await privateDatabase(databaseUrl, "orders_chaos_");
		undo.push(() => db.drop());
		const [brokerPort, controllerPort, proxiedPort] = [await freePort(), await freePort(), await freePort()];
		const proxies: Record<Dependency, TcpProxy> = {
			postgres: await proxyFor(new URL(databaseUrl), 5432),
			redis: await proxyFor(new URL(redisUrl), 6379),
			kafka: await startTcpProxy("127.0.0.1", proxiedPort),
		};
		undo.push(() => Promise.all(Object.values(proxies).map((p) => p.close())));
		mkdirSync(home);
		const site: BrokerSite = {
			broker: `127.0.0.1:${brokerPort}`,
			controller: `127.0.0.1:${controllerPort}`,
			home,
			proxied: { listen: `127.0.0.1:${proxiedPort}`, advertised: `127.0.0.1:${proxies.kafka.port}` },
		};
		const broker = await startLocalKafka(site);
		undo.push(() => broker.stop());
		const kafka = createKafka([site.broker], `chaos-${run}`);
		const topics = { order: `chaos-${run}-order`, reserve: `chaos-${run}-reserve`, payment: `chaos-${run}-payment` };
		await ensureTopics(kafka, contractTopics({ topics }), PARTITIONS);
		const groups = { reserve: `chaos-${run}-reserve`, payment: `chaos-${run}-payment`, simulator: `chaos-${run}-simulator` };
		const nodeEnv = {
			NAMESPACE: `chaos-${run}`,
			DATABASE_URL: throughProxy(db.url, proxies.postgres),
			REDIS_URL: throughProxy(redisUrl, proxies.redis),
			KAFKA_BROKERS: site.proxied!.advertised,
			KAFKA_PARTITIONS: String(PARTITIONS),
			ORDER_TOPIC: topics.order,
			RESERVE_TOPIC: topics.reserve,
			PAYMENT_TOPIC: topics.payment,
			RESERVE_GROUP: groups.reserve,
			PAYMENT_GROUP: groups.payment,
			OUT_OF_ORDER_WINDOW_MS: String(CHAOS_OUT_OF_ORDER_WINDOW_MS),
			DB_POOL_MAX: "4",
			METRICS: "off",
			PROBES: "off",
			KAFKAJS_NO_PARTITIONER_WARNING: "1",
		};
		return { run, db, kafka, topics, groups, proxies, nodeEnv, dir, close };
	} catch (err) {
		await close();
		throw err;
	}
}
