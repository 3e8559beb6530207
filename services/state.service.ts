/**
 * Records saga states (the state table of the README) with exactly-once effect per
 * (order_id, idempotent_key). Internal: reachable over the broker only.
 */
import type { Context, ServiceSchema } from "moleculer";
import { ORDER_STATES } from "../domain/order-state";
import type { ApplyRequest } from "../domain/state-batch";
import { rethrowClassified } from "../lib/platform/failure-kind";
import { invalidateOrders } from "../lib/orders/order-cache";
import { APPLIED_MESSAGE_MODEL, applyBatch, pruneAppliedKeys, type BatchResult } from "../lib/state/state-store";
import { DbMixin, type DbSettings, type DbVars } from "../mixins/db.mixin";

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

export interface StateSettings extends DbSettings {
	/** How long an applied message's key is kept to recognise a redelivery. */
	appliedKeyRetentionMs: number;
}

interface StateMethods {
	applyAndInvalidate(requests: ApplyRequest[]): Promise<BatchResult>;
	pruneNow(): Promise<number>;
}

interface StateVars extends DbVars {
	pruneTimer?: NodeJS.Timeout;
}

/** Pruning runs this often: cheap, and often enough that the table never holds much more than the retention. */
const pruneEveryMs = (retentionMs: number) => Math.min(Math.max(retentionMs / 10, 1_000), 10 * 60_000);

const StateService: ServiceSchema<StateSettings, StateMethods, StateVars> = {
	name: "state",
	mixins: [DbMixin(APPLIED_MESSAGE_MODEL)],
	actions: {
		apply: {
			visibility: "public",
			params: requestProps,
			async handler(ctx: Context<ApplyRequest>) {
				const { outcomes } = await this.applyAndInvalidate([ctx.params]).catch(rethrowClassified);
				return outcomes[0];
			},
		},
		applyBatch: {
			visibility: "public",
			params: { messages: { type: "array", min: 1, max: 10_000, items: { type: "object", props: requestProps } } },
			async handler(ctx: Context<{ messages: ApplyRequest[] }>) {
				const { outcomes } = await this.applyAndInvalidate(ctx.params.messages).catch(rethrowClassified);
				return { outcomes };
			},
		},
		/** Runs the retention job now (it also runs on a timer); answers the number of keys deleted. */
		pruneAppliedKeys: {
			visibility: "public",
			async handler() {
				return { deleted: await this.pruneNow() };
			},
		},
	},
	methods: {
		pruneNow() {
			return pruneAppliedKeys(this.sequelize, this.settings.appliedKeyRetentionMs);
		},
		async applyAndInvalidate(requests: ApplyRequest[]): Promise<BatchResult> {
			const result = await applyBatch(this.sequelize, requests);
			// After the commit, before answering: a read that starts after the answer sees the new state.
			// A redelivered (duplicate) message invalidates again, in case the first invalidation
			// was lost (Redis briefly down after the commit).
			const redelivered = requests.filter((_, i) => result.outcomes[i].result === "duplicate").map((r) => r.order_id);
			await invalidateOrders(this.broker, [...result.changedOrderIds, ...redelivered]);
			return result;
		},
	},
	async started() {
		const every = pruneEveryMs(this.settings.appliedKeyRetentionMs);
		this.pruneTimer = setInterval(() => {
			this.pruneNow().catch((err: Error) => this.logger.warn(`pruning applied keys failed (retried in ${every} ms): ${err.message}`));
		}, every);
		this.pruneTimer.unref();
	},
	async stopped() {
		clearInterval(this.pruneTimer);
	},
};

export default StateService;
