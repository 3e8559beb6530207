/**
 * Records saga states (the state table of the README) with exactly-once effect per
 * (order_id, idempotent_key). Internal: reachable over the broker only, but for
 * the dead-letter actions the gateway publishes to operators (lib/dead-letters/).
 */
import type { Context, ServiceSchema } from "moleculer";
import { listDeadLettersParams, listRedrivesParams, redriveParams, type RedriveInput } from "../domain/dead-letter-input";
import { ORDER_STATES } from "../domain/order-state";
import { UUID_PATTERN } from "../domain/saga-message";
import type { ApplyRequest } from "../domain/state-batch";
import { ORDERS_CHANGED, ordersChanged } from "../domain/orders-changed";
import { rethrowClassified } from "../lib/platform/support/failure-kind";
import { toServiceError } from "../lib/platform/support/database-errors";
import { checkSettings } from "../lib/platform/config/settings-check";
import { stateSettingsSchema } from "../lib/state/state-settings";
import {
	deadLetters,
	deadLetterSummary,
	redriveLetters,
	redrives,
	requireOperator,
	whoOf,
	type DeadLetterMeta,
	type ListLettersInput,
	type SagaTopics,
} from "../lib/dead-letters/dead-letter-api";
import { APPLIED_MESSAGE_MODEL, applyBatch, pruneAppliedKeys, type BatchResult } from "../lib/state/state-store";
import { DbMixin, type DbSettings, type DbVars } from "../mixins/db.mixin";

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
			// The message's bytes: sent only with a message that may have to be parked.
			key: { type: "string", nullable: true, optional: true },
			value: { type: "string", optional: true },
			headers: { type: "record", key: "string", value: "string", optional: true },
		},
	},
};

export interface StateSettings extends DbSettings {
	/** How long an applied message's key is kept to recognise a redelivery. */
	appliedKeyRetentionMs: number;
	/** The consumed topics: a redriven dead letter is parsed as their listeners parse it. */
	sagaTopics: SagaTopics;
}

interface StateMethods {
	applyAndAnnounce(requests: ApplyRequest[]): Promise<BatchResult>;
	/** Tells every orders node that these orders changed (they drop their cached reads); fails when it could not be sent. */
	announceChanged(orderIds: Iterable<number>): Promise<void>;
	pruneNow(): Promise<number>;
	/** A dead-letter action's database step: operators only, failures as 503 or a sanitised 500. */
	operatorStep<T>(ctx: Context<unknown, DeadLetterMeta>, step: () => Promise<T>): Promise<T>;
}

interface StateVars extends DbVars {
	pruneTimer?: NodeJS.Timeout;
}

/** Served by the gateway to operators (an alias of docs/rest-api.md; no other route reaches `state`): "public" would hide it from moleculer-web. */
const REST_ROUTE = { visibility: "published" } as const;

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
				const { outcomes } = await this.applyAndAnnounce([ctx.params]).catch(rethrowClassified);
				return outcomes[0];
			},
		},
		applyBatch: {
			visibility: "public",
			params: { messages: { type: "array", min: 1, max: 10_000, items: { type: "object", props: requestProps } } },
			async handler(ctx: Context<{ messages: ApplyRequest[] }>) {
				const { outcomes } = await this.applyAndAnnounce(ctx.params.messages).catch(rethrowClassified);
				return { outcomes };
			},
		},
		deadLetters: {
			...REST_ROUTE,
			params: listDeadLettersParams,
			handler(ctx: Context<ListLettersInput, DeadLetterMeta>) {
				return this.operatorStep(ctx, () => deadLetters(this.sequelize, ctx.params));
			},
		},
		deadLetterSummary: {
			visibility: "public",
			handler(ctx: Context<unknown, DeadLetterMeta>) {
				return this.operatorStep(ctx, () => deadLetterSummary(this.sequelize));
			},
		},
		redrive: {
			...REST_ROUTE,
			params: redriveParams,
			async handler(ctx: Context<RedriveInput, DeadLetterMeta>) {
				const { answer, changedOrderIds } = await this.operatorStep(ctx, () => redriveLetters(this.sequelize, this.settings.sagaTopics, whoOf(ctx.meta), ctx.params));
				await this.announceChanged(changedOrderIds);
				return answer;
			},
		},
		redrives: {
			...REST_ROUTE,
			params: listRedrivesParams,
			handler(ctx: Context<{ limit?: string; cursor?: string }, DeadLetterMeta>) {
				return this.operatorStep(ctx, () => redrives(this.sequelize, ctx.params));
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
		async operatorStep<T>(ctx: Context<unknown, DeadLetterMeta>, step: () => Promise<T>): Promise<T> {
			requireOperator(ctx.meta);
			try {
				return await step();
			} catch (err) {
				return toServiceError(err, (...args) => this.logger.error(...args));
			}
		},
		pruneNow() {
			return pruneAppliedKeys(this.sequelize, this.settings.appliedKeyRetentionMs);
		},
		async applyAndAnnounce(requests: ApplyRequest[]): Promise<BatchResult> {
			const result = await applyBatch(this.sequelize, requests);
			// After the commit, before answering. A redelivered (duplicate) message is announced
			// again, in case the first announcement was lost (the transporter down after the commit:
			// the failed broadcast failed the batch, so the listener redelivers it).
			const redelivered = requests.filter((_, i) => result.outcomes[i].result === "duplicate").map((r) => r.order_id);
			await this.announceChanged([...result.changedOrderIds, ...redelivered]);
			return result;
		},
		async announceChanged(orderIds: Iterable<number>) {
			const payload = ordersChanged(orderIds);
			// Broadcast, not emit: every orders node drops its entries (an emit to a group with no
			// live node is dropped). An orders node on this node runs its handler before this resolves.
			if (payload) await this.broker.broadcast(ORDERS_CHANGED, payload, { throwError: true });
		},
	},
	created() {
		checkSettings("state", stateSettingsSchema, this.settings);
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
