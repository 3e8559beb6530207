/**
 * Orders: create (one transaction with its first state and outbox event), get,
 * states and list; stuck orders (listed, summarised, and watched by the stuck
 * monitor on one node of the cluster). The data access lives in
 * lib/orders/orders-repository.ts and lib/orders/stuck-orders-store.ts, the
 * input rules in domain/order-input.ts and domain/stuck-orders.ts.
 */
import type { Context, ServiceSchema } from "moleculer";
import { ForbiddenError, IdempotencyKeyReusedError, invalidField, OrderNotFoundError } from "../domain/errors/catalog";
import type { OrdersMeta } from "../domain/orders-meta";
import { listedUser, mayAccess } from "../domain/order-access";
import { decodeCursor, encodeCursor } from "../domain/order-cursor";
import { GENERATED_KEY_HASH, isValidIdempotencyKey, IDEMPOTENCY_HEADER, MAX_IDEMPOTENCY_KEY, requestHash } from "../domain/order-idempotency";
import {
	createOrderParams,
	DEFAULT_LIMIT,
	listOrdersParams,
	orderIdParams,
	toPositiveInt,
	toUserId,
	type CreateOrderInput,
	type ListOrdersInput,
} from "../domain/order-input";
import { ORDERS_CHANGED, ordersChangedParams, type OrdersChanged } from "../domain/orders-changed";
import { cachedOrderRead, forgetCachedOrders, invalidateOrders } from "../lib/orders/order-cache";
import type { IdempotencyClaim } from "../lib/orders/create-order-statement";
import type { Order } from "../domain/order-view";
import { createOrder, findOrder, findStates, listOrders } from "../lib/orders/orders-repository";
import { toServiceError } from "../lib/platform/support/database-errors";
import { checkSettings } from "../lib/platform/config/settings-check";
import { ordersSettingsSchema } from "../lib/orders/orders-settings";
import { ORDER_MODEL } from "../lib/orders/orders-model";
import { listStuckOrders, summarizeStuckOrders } from "../lib/orders/stuck-orders-store";
import { startStuckMonitor, type StuckMonitor } from "../lib/orders/stuck-monitor";
import { stuckMetricsSink } from "../lib/orders/stuck-metrics";
import { awaiting, decodeStuckCursor, encodeStuckCursor, listStuckParams, type AnswerTopics, type StuckDeadlines, type StuckOrdersInput } from "../domain/stuck-orders";
import { DbMixin, type DbSettings, type DbVars } from "../mixins/db.mixin";
import { ConsoleReads, type ConsoleReadSettings } from "../mixins/console-reads.mixin";

export interface OrdersSettings extends DbSettings, ConsoleReadSettings {
	/** Where ORDER_CREATED events go, through the outbox. */
	orderTopic: string;
	/** Each waiting state's deadline, and the topics whose answers the orders wait for (given by the node). */
	stuck?: { afterMs: StuckDeadlines; topics: AnswerTopics };
}

type OrdersVars = DbVars & { stuckMonitor?: StuckMonitor };

interface OrdersMethods {
	/** Runs a database step; its failure becomes a 503 or a sanitised 500. */
	db<T>(step: () => Promise<T>): Promise<T>;
	/** The GET shape of an order; 404 when it does not exist (unless `required` is false). */
	loadOrder(orderId: number, required?: boolean): Promise<Order | null>;
	/** The order as GET shows it; 404 when it does not exist or belongs to another user (its existence is not revealed). */
	readableOrder(ctx: Context<unknown, OrdersMeta>, orderId: number): Promise<Order>;
	/** The stuck settings; 403 for a caller who is not an operator (with authentication on). */
	stuckFor(ctx: Context<unknown, OrdersMeta>): NonNullable<OrdersSettings["stuck"]>;
}


function idempotencyClaim({ idempotency_key: key, idempotency_key_generated: generated }: OrdersMeta, input: CreateOrderInput): IdempotencyClaim | undefined {
	if (key === undefined) return undefined;
	if (generated) return { key, requestHash: GENERATED_KEY_HASH };
	if (!isValidIdempotencyKey(key)) {
		throw invalidField(IDEMPOTENCY_HEADER, "idempotencyKey", `The '${IDEMPOTENCY_HEADER}' header must be 1 to ${MAX_IDEMPOTENCY_KEY} visible ASCII characters.`);
	}
	return { key, requestHash: requestHash(input) };
}

const OrdersService: ServiceSchema<OrdersSettings, OrdersMethods, OrdersVars> = {
	name: "orders",
	mixins: [DbMixin(ORDER_MODEL), ConsoleReads],

	actions: {
		create: {
			params: createOrderParams,
			async handler(ctx: Context<CreateOrderInput, OrdersMeta>) {
				if (!mayAccess(ctx.meta.user, ctx.params.user_id)) {
					throw new ForbiddenError("An order can only be created for the user of the token");
				}
				const claim = idempotencyClaim(ctx.meta, ctx.params);
				const result = await this.db(() => createOrder(this.sequelize, ctx.params, this.settings.orderTopic, claim));
				if (result.kind === "created") return result.order;
				if (!result.sameRequest) {
					throw new IdempotencyKeyReusedError(`The '${IDEMPOTENCY_HEADER}' was already used with a different request`, { field: IDEMPOTENCY_HEADER });
				}
				return this.loadOrder(result.orderId);
			},
		},

		get: {
			params: orderIdParams,
			handler(ctx: Context<{ order_id: number | string }, OrdersMeta>) {
				return this.readableOrder(ctx, toPositiveInt(ctx.params.order_id) as number);
			},
		},

		states: {
			params: orderIdParams,
			async handler(ctx: Context<{ order_id: number | string }, OrdersMeta>) {
				const orderId = toPositiveInt(ctx.params.order_id) as number;
				if (ctx.meta.user) await this.readableOrder(ctx, orderId);
				const states = await cachedOrderRead(this.broker, "orders.states", orderId, () => this.db(() => findStates(this.sequelize, orderId)));
				if (!states) throw OrderNotFoundError.of(orderId);
				return { order_states: states };
			},
		},

		list: {
			params: listOrdersParams,
			async handler(ctx: Context<ListOrdersInput, OrdersMeta>) {
				const { user_id, limit, cursor, state } = ctx.params;
				const beforeOrderId = cursor === undefined ? undefined : decodeCursor(cursor);
				if (beforeOrderId === null) throw invalidField("cursor", "cursor", "The 'cursor' field is not a cursor this service gave out.");
				const pageSize = limit === undefined ? DEFAULT_LIMIT : (toPositiveInt(limit) as number);
				const userId = listedUser(ctx.meta.user, user_id === undefined ? undefined : (toUserId(user_id) as number));
				if (userId === "forbidden") throw new ForbiddenError("Only the orders of the token's user can be listed");
				const page = await this.db(() => listOrders(this.model, { userId, state, beforeOrderId, limit: pageSize }));
				const last = page.orders.at(-1);
				return { orders: page.orders, next_cursor: page.more && last ? encodeCursor(last.order_id) : null };
			},
		},

		stuck: {
			params: listStuckParams,
			async handler(ctx: Context<StuckOrdersInput, OrdersMeta>) {
				const { afterMs, topics } = this.stuckFor(ctx);
				const cursor = ctx.params.cursor === undefined ? undefined : decodeStuckCursor(ctx.params.cursor);
				if (cursor === null) throw invalidField("cursor", "cursor", "The 'cursor' field is not a cursor this service gave out.");
				const limit = ctx.params.limit === undefined ? DEFAULT_LIMIT : (toPositiveInt(ctx.params.limit) as number);
				const page = await this.db(() => listStuckOrders(this.sequelize, { deadlines: afterMs, state: ctx.params.state, cursor, limit }));
				const last = page.orders.at(-1);
				return {
					orders: page.orders.map((o) => ({ ...o, awaiting: awaiting(o.state, topics) })),
					next_cursor: page.more && last ? encodeStuckCursor({ since: last.since, orderId: last.order_id }) : null,
				};
			},
		},

		stuckSummary: {
			async handler(ctx: Context<unknown, OrdersMeta>) {
				const { afterMs } = this.stuckFor(ctx);
				return { states: await this.db(() => summarizeStuckOrders(this.sequelize, afterMs)) };
			},
		},
	},

	events: {
		/** The state service committed changes to these orders: their cached reads go (one Redis call for all). */
		[ORDERS_CHANGED]: {
			params: ordersChangedParams,
			handler(ctx: Context<OrdersChanged>) {
				return invalidateOrders(this.broker, ctx.params.ids);
			},
		},
	},

	methods: {
		async db<T>(step: () => Promise<T>): Promise<T> {
			try {
				return await step();
			} catch (err) {
				return toServiceError(err, (...args) => this.logger.error(...args));
			}
		},
		async readableOrder(ctx: Context<unknown, OrdersMeta>, orderId: number) {
			const order = await cachedOrderRead(this.broker, "orders.get", orderId, () => this.loadOrder(orderId, false));
			if (!order || !mayAccess(ctx.meta.user, order.user_id)) throw OrderNotFoundError.of(orderId);
			return order;
		},
		stuckFor(ctx) {
			if (ctx.meta.user && !ctx.meta.user.operator) throw new ForbiddenError("Only an operator may see stuck orders");
			const { stuck } = this.settings;
			if (!stuck) throw new Error("service orders: settings.stuck is missing");
			return stuck;
		},
		async loadOrder(orderId: number, required = true) {
			const order = await this.db(() => findOrder(this.model, orderId));
			if (!order && required) throw OrderNotFoundError.of(orderId);
			return order;
		},
	},

	created() {
		checkSettings("orders", ordersSettingsSchema, this.settings);
	},

	async started() {
		const { stuck } = this.settings;
		if (!stuck) throw new Error("service orders: settings.stuck is missing");
		// A change announced while no orders node ran reached nobody: its cached reads must not outlive this start.
		await forgetCachedOrders(this.broker);
		const { broker } = this;
		this.stuckMonitor = startStuckMonitor({
			sequelize: this.sequelize,
			namespace: broker.namespace,
			nodeId: broker.nodeID,
			deadlines: stuck.afterMs,
			logger: this.logger,
			sink: stuckMetricsSink(broker),
		});
		// Started means the node has looked once: it holds the lease or knows another node does.
		await this.stuckMonitor.firstTick;
	},

	async stopped() {
		await this.stuckMonitor?.stop();
	},
};

export default OrdersService;
