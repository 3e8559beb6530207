/**
 * PostgreSQL away from the listener's node (its DATABASE_URL goes through a proxy
 * the test cuts): the listener waits and retries, dead-letters nothing, and
 * applies the message once the database is back.
 */
import type { ServiceBroker } from "moleculer";
import type { Pool } from "pg";
import { deadLetterTopic } from "../../lib/platform/clients/kafka";
import { startNode } from "../support/cluster";
import { groupLag } from "../support/consumer-group";
import { createOrder, historyOf, testPool } from "../support/orders-fixture";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { startTcpProxy, type TcpProxy } from "../../dev/cluster/tcp-proxy";
import { TEST_DATABASE_URL } from "../support/test-env";
import { waitFor } from "../support/wait";

process.env.LOG_LEVEL = "error"; // the retries warn on every attempt
const topics = useSagaTopics(1);

describe("the listener while PostgreSQL is down", () => {
	let broker: ServiceBroker;
	let pool: Pool;
	let proxy: TcpProxy;

	const deadLetterCount = async (): Promise<number> => {
		const admin = topics.kafka.admin();
		await admin.connect();
		try {
			const offsets = await admin.fetchTopicOffsets(deadLetterTopic(topics.reserve));
			return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
		} finally {
			await admin.disconnect();
		}
	};
	const reserved = (orderId: number) =>
		waitFor(async () => ((await historyOf(pool, orderId)).current === "RESERVE_CREATED" ? true : undefined), `RESERVE_CREATED of order ${orderId}`);

	beforeAll(async () => {
		pool = testPool();
		const db = new URL(TEST_DATABASE_URL);
		proxy = await startTcpProxy(db.hostname, Number(db.port || 5432));
		db.port = String(proxy.port);
		await topics.setUp();
		broker = await startNode(["state", "reserve-listener"], { DATABASE_URL: db.toString() });
	});
	afterAll(async () => {
		await broker?.stop();
		await proxy?.close();
		await topics.tearDown();
		await pool?.end();
	});

	it("retries without dead-lettering and applies the message after the database is back", async () => {
		const before = await createOrder(pool);
		await topics.send(topics.reserve, sagaMessage(before, "CREATED"), String(before));
		await reserved(before); // the node works through the proxy

		const orderId = await createOrder(pool);
		proxy.cut();
		const sent = await topics.send(topics.reserve, sagaMessage(orderId, "CREATED"), String(orderId));
		const committed = async () => (await groupLag(topics.kafka, topics.env.RESERVE_GROUP, topics.reserve)).find((p) => p.partition === sent.partition)?.committed ?? -1;
		// More refused tries than a failing message gets before it counts as poison (3): an outage never does.
		await waitFor(() => (proxy.refused >= 6 ? true : undefined), "the node to retry against the cut database");
		expect((await historyOf(pool, orderId)).current).toBe("ORDER_CREATED");
		expect(await deadLetterCount()).toBe(0);
		// Its offset is not committed while its effect is not durable (committed = next offset to read).
		expect(await committed()).toBeLessThanOrEqual(Number(sent.offset));

		proxy.restore();
		await reserved(orderId);
		await waitFor(async () => ((await committed()) > Number(sent.offset) ? true : undefined), "the offset to be committed after the effect");
		expect((await historyOf(pool, orderId)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED"]);
		expect(await deadLetterCount()).toBe(0);
	});
});
