/**
 * Records saga states (CONTRACT.md's state table) with exactly-once effect per
 * (order_id, idempotent_key). Internal: reachable over the broker only.
 */
import type { Context, Logger, ServiceBroker, ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Sequelize } from "sequelize";
import { ORDER_STATES } from "../domain/order-state";
import { config } from "../lib/platform/config";
import { invalidateOrders } from "../lib/orders/order-cache";
import { applyBatch, defineAppliedMessage, pruneAppliedKeys, type ApplyRequest, type BatchResult } from "../lib/state/state-store";
import { DbMixin } from "../mixins/db.mixin";

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const requestProps = {
	order_id: { type: "number", integer: true, positive: true },
	state: { type: "enum", values: [...ORDER_STATES] },
	idempotent_key: { type: "string", pattern: UUID_PATTERN },
	source: {
		type: "object",
		optional: true,
		props: {
			topic: "string",
			partition: { type: "number", integer: true, min: 0 },
			offset: { type: "string", numeric: true },
			key: { type: "string", nullable: true },
			value: "string",
			headers: { type: "record", key: "string", value: "string" },
		},
	},
};

const cfg = config();
/** Pruning runs this often: cheap, and often enough that the table never holds much more than the retention. */
const PRUNE_EVERY_MS = Math.min(Math.max(cfg.appliedKeyRetentionMs / 10, 1_000), 10 * 60_000);

const StateService: ServiceSchema<ServiceSettingSchema, Record<string, unknown>, Record<string, unknown>, StateThis> = {
	name: "state",
	mixins: [DbMixin(defineAppliedMessage)],
	actions: {
		apply: {
			visibility: "public",
			params: requestProps,
			async handler(this: StateThis, ctx: Context<ApplyRequest>) {
				const { outcomes } = await this.applyAndInvalidate([ctx.params]);
				return outcomes[0];
			},
		},
		applyBatch: {
			visibility: "public",
			params: { messages: { type: "array", min: 1, max: 10_000, items: { type: "object", props: requestProps } } },
			async handler(this: StateThis, ctx: Context<{ messages: ApplyRequest[] }>) {
				const { outcomes } = await this.applyAndInvalidate(ctx.params.messages);
				return { outcomes };
			},
		},
		/** Runs the retention job now (it also runs on a timer); answers the number of keys deleted. */
		pruneAppliedKeys: {
			visibility: "public",
			async handler(this: StateThis) {
				return { deleted: await pruneAppliedKeys(this.adapter.db, cfg.appliedKeyRetentionMs) };
			},
		},
	},
	methods: {
		async applyAndInvalidate(this: StateThis, requests: ApplyRequest[]): Promise<BatchResult> {
			const result = await applyBatch(this.adapter.db, requests);
			// After the commit, before answering: a read that starts after the answer sees the new state.
			// A redelivered (duplicate) message invalidates again, in case the first invalidation
			// was lost (Redis briefly down after the commit).
			const redelivered = requests.filter((_, i) => result.outcomes[i].result === "duplicate").map((r) => r.order_id);
			await invalidateOrders(this.broker, [...result.changedOrderIds, ...redelivered]);
			return result;
		},
	},
	started() {
		const self = this as unknown as StateThis;
		self.pruneTimer = setInterval(() => {
			pruneAppliedKeys(self.adapter.db, cfg.appliedKeyRetentionMs).catch((err: Error) =>
				self.logger.warn(`pruning applied keys failed (retried in ${PRUNE_EVERY_MS} ms): ${err.message}`),
			);
		}, PRUNE_EVERY_MS);
		self.pruneTimer.unref();
	},
	stopped() {
		clearInterval((this as unknown as StateThis).pruneTimer);
	},
};

interface StateThis {
	adapter: { db: Sequelize };
	broker: ServiceBroker;
	logger: Logger;
	pruneTimer: NodeJS.Timeout;
	applyAndInvalidate(requests: ApplyRequest[]): Promise<BatchResult>;
}

export default StateService;
