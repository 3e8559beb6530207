/**
 * Lag is not loss: a listener that is down for many out-of-order windows leaves
 * no dead letter once it is back, whichever one it is. Real PostgreSQL, Redis
 * and Kafka; the `state` service and each listener run on nodes of their own,
 * so one listener can be stopped while the rest go on.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import type { Pool } from "pg";
import { readTopics } from "../../dev/cluster/topic-reader";
import type { ServiceName } from "../../lib/platform/config/config";
import { deadLetterTopic } from "../../lib/platform/clients/kafka";
import { startNode } from "../support/cluster";
import { createOrder, historyOf, testPool } from "../support/orders-fixture";
import { sagaMessage, useSagaTopics } from "../support/saga-topics";
import { waitFor } from "../support/wait";

const WINDOW_MS = 1_500;
/** Each outage lasts at least this long after its last message was parked or sent. */
const OUTAGE_MS = 5 * WINDOW_MS;
const ORDERS = 20;
process.env.OUT_OF_ORDER_WINDOW_MS = String(WINDOW_MS);
const topics = useSagaTopics();

const node = (service: ServiceName) => startNode([service], { NODE_ID: `lag-${service}-${randomUUID().slice(0, 8)}` });

describe("a listener down for many windows", () => {
	let pool: Pool;
	let dlq: Awaited<ReturnType<typeof readTopics>>;
	const nodes: Partial<Record<ServiceName, ServiceBroker>> = {};

	const lettersOf = (orderIds: number[]) => dlq.messages.filter((m) => orderIds.some((id) => m.key === String(id)));
	const parkedCount = async (orderIds: number[]) =>
		Number((await pool.query<{ n: string }>("SELECT count(*) AS n FROM parked_messages WHERE order_id = ANY($1::bigint[])", [orderIds])).rows[0].n);
	const allAt = async (orderIds: number[], state: string) => {
		for (const id of orderIds) if ((await historyOf(pool, id)).current !== state) return undefined;
		return true;
	};
	/** Keeps the outage going for `ms`, checking all along that none of `orderIds` is dead-lettered. */
	const holdOutage = async (ms: number, orderIds: number[]) => {
		for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
			expect(lettersOf(orderIds)).toEqual([]);
		}
	};
	/** Every order of `orderIds` completes its saga, nothing parked is left and nothing was dead-lettered. */
	const expectCompletedWithoutDeadLetters = async (orderIds: number[]) => {
		await waitFor(() => allAt(orderIds, "PAYMENT_COMPLETED"), "every order to complete", 60_000);
		for (const id of orderIds) {
			expect((await historyOf(pool, id)).states).toEqual(["ORDER_CREATED", "RESERVE_CREATED", "PAYMENT_CREATED", "PAYMENT_COMPLETED"]);
		}
		expect(await parkedCount(orderIds)).toBe(0);
		expect(lettersOf(orderIds)).toEqual([]);
	};
	const sendPayments = async (orderId: number) => {
		await topics.send(topics.payment, sagaMessage(orderId, "CREATED"), String(orderId));
		await topics.send(topics.payment, sagaMessage(orderId, "COMPLETED"), String(orderId));
	};
	const sendReserve = (orderId: number) => topics.send(topics.reserve, sagaMessage(orderId, "CREATED"), String(orderId));
	const newOrders = () => Promise.all(Array.from({ length: ORDERS }, () => createOrder(pool)));

	beforeAll(async () => {
		pool = testPool();
		await topics.setUp();
		dlq = await readTopics(topics.kafka, [deadLetterTopic(topics.reserve), deadLetterTopic(topics.payment)]);
		nodes.state = await node("state");
		nodes["reserve-listener"] = await node("reserve-listener");
		nodes["payment-listener"] = await node("payment-listener");
	});
	afterAll(async () => {
		for (const broker of Object.values(nodes)) await broker?.stop();
		await dlq?.stop();
		await topics.tearDown();
		await pool?.end();
	});

	it("reserve listener down: payments wait parked, and every order completes once it is back", async () => {
		// The reserve listener consumes, then goes away.
		const before = await createOrder(pool);
		await sendReserve(before);
		await waitFor(() => allAt([before], "RESERVE_CREATED"), "the reserve listener to consume");
		// Control: a PAYMENT_COMPLETED whose PAYMENT_CREATED never comes waits on the payment topic only,
		// so the sweep, which is running all along, dead-letters it during the outage.
		const control = await createOrder(pool, ["RESERVE_CREATED"]);
		await nodes["reserve-listener"]?.stop();
		delete nodes["reserve-listener"];

		const orderIds = await newOrders();
		for (const id of orderIds) await sendReserve(id);
		for (const id of orderIds) await sendPayments(id);
		await topics.send(topics.payment, sagaMessage(control, "COMPLETED"), String(control));
		await waitFor(async () => ((await parkedCount(orderIds)) === 2 * ORDERS ? true : undefined), "every payment message to be parked");
		const controlLetter = await waitFor(() => lettersOf([control])[0], "the control's out_of_order dead letter");
		expect(controlLetter.headers.reason).toBe("out_of_order");
		await holdOutage(OUTAGE_MS, orderIds);

		nodes["reserve-listener"] = await node("reserve-listener");
		await expectCompletedWithoutDeadLetters(orderIds);
	}, 120_000);

	it("payment listener down while reserve answers flow: every order completes once it is back", async () => {
		await nodes["payment-listener"]?.stop();
		delete nodes["payment-listener"];

		// Half the orders get their reserve answer during the outage; the other half only once the
		// payment listener is back and has parked their payments (their own messages are old by then).
		const orderIds = await newOrders();
		const answered = orderIds.slice(0, ORDERS / 2);
		const late = orderIds.slice(ORDERS / 2);
		for (const id of orderIds) await sendPayments(id);
		for (const id of answered) await sendReserve(id);
		await waitFor(() => allAt(answered, "RESERVE_CREATED"), "the reserve answers to be applied");
		await holdOutage(OUTAGE_MS, orderIds);

		nodes["payment-listener"] = await node("payment-listener");
		// Answered as soon as the first of them is parked: well within its window after parking.
		await waitFor(async () => ((await parkedCount(late)) > 0 ? true : undefined), "the late orders' payments to be parked");
		for (const id of late) await sendReserve(id);
		await expectCompletedWithoutDeadLetters(orderIds);
	}, 120_000);
});
