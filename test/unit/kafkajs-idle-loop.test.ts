/**
 * The patched scheduler of kafkajs's own RequestQueue class (lib/platform/clients/kafkajs-idle-loop.ts):
 * no timer when nothing waits and no throttle is on; a timer while requests wait or a throttle lasts.
 */
import { fixKafkajsIdleLoop, kafkajsRequestQueue } from "../../lib/platform/clients/kafkajs-idle-loop";

interface Queue {
	pending: unknown[];
	throttleCheckTimeoutId: NodeJS.Timeout | null;
	maybeThrottle(ms: number): void;
	scheduleCheckPendingRequests(): void;
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function newQueue(): Queue {
	fixKafkajsIdleLoop();
	const RequestQueue = kafkajsRequestQueue() as unknown as new (options: object) => Queue;
	return new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 1_000, enforceRequestTimeout: true, clientId: "unit", broker: "none:0", logger: silent });
}

describe("kafkajs request queue scheduler, patched", () => {
	const queues: Queue[] = [];
	const queue = () => {
		const made = newQueue();
		queues.push(made);
		return made;
	};
	afterEach(() => queues.splice(0).forEach((q) => q.throttleCheckTimeoutId && clearTimeout(q.throttleCheckTimeoutId)));

	it("sets no timer when nothing waits and no throttle is on", () => {
		const q = queue();
		q.scheduleCheckPendingRequests();
		expect(q.throttleCheckTimeoutId).toBeNull();
	});

	it("sets a timer while requests wait", () => {
		const q = queue();
		q.pending.push({});
		q.scheduleCheckPendingRequests();
		expect(q.throttleCheckTimeoutId).not.toBeNull();
	});

	it("sets a timer while the broker's throttle lasts, even with nothing waiting", () => {
		const q = queue();
		q.maybeThrottle(50);
		q.scheduleCheckPendingRequests();
		expect(q.throttleCheckTimeoutId).not.toBeNull();
	});
});
