/**
 * The five methods of ordersapi.OrdersApi, each one call (or a few, for
 * GetOrders) of the `orders` actions through the broker, as REST makes them, with
 * the answers the Go service's clients expect: NOT_FOUND for an unknown order,
 * an empty list for its states, every order of a user in one answer, oldest first.
 * int64 fields arrive as decimal strings (orders-proto.ts).
 */
import { status as Status } from "@grpc/grpc-js";
import type { Context } from "moleculer";
import { IdempotencyKeyReusedError, OrderNotFoundError } from "../../../domain/errors/catalog";
import type { OrdersMeta } from "../../../domain/orders-meta";
import { MAX_LIMIT, toUserId, type CreateOrderInput } from "../../../domain/order-input";
import { checkPostgres, SINGLE_ATTEMPT } from "../../platform/startup/preflight";
import { GrpcError } from "./grpc-errors";

type Int64 = string | number;
interface OrderProductMessage {
	product_id: Int64;
	count: Int64;
}
interface OrderView {
	order_id: number;
	description: string;
	state: string;
	order_products: Array<{ product_id: number; count: number }>;
}
interface OrdersPage {
	orders: OrderView[];
	next_cursor: string | null;
}

export interface MethodSettings {
	/** GetOrders answers at most this many orders (GRPC_MAX_ORDERS). */
	maxOrders: number;
	/** The database GetPing checks. */
	databaseUrl: string;
}

export type OrdersApiMethod = (ctx: Context<Record<string, unknown>>, settings: MethodSettings) => Promise<object>;

/** An id the orders service can hold, or null (0, negative, or past what JSON carries exactly). */
function knownId(value: unknown): number | null {
	const id = Number(value);
	return Number.isSafeInteger(id) && id >= 1 ? id : null;
}

const isOrderNotFound = (err: unknown): boolean => err instanceof OrderNotFoundError;

/** The REST 409 names its header; a gRPC client sent metadata. */
function renameKeyConflict(err: unknown): never {
	if (err instanceof IdempotencyKeyReusedError) {
		throw new GrpcError(Status.ALREADY_EXISTS, "The 'idempotency-key' metadata was already used with a different request");
	}
	throw err;
}

/** Protobuf Timestamp of an ISO-8601 time (millisecond precision, as REST gives it). */
function timestamp(iso: string): { seconds: number; nanos: number } {
	const ms = Date.parse(iso);
	return { seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1_000_000 };
}

const CreateOrder: OrdersApiMethod = async (ctx) => {
	const { user_id, description, order_products } = ctx.params as { user_id: Int64; description: string; order_products: OrderProductMessage[] };
	// proto3 sends an unset user_id as 0: with a user's token it is that user's order, as a REST body without user_id.
	const tokenUser = (ctx.meta as OrdersMeta).user?.userId;
	// Number() of a value past 2^53 lands past the rule's maximum, so the rule refuses it rather than rounding it into another id.
	const input: CreateOrderInput = {
		user_id: Number(user_id) === 0 && tokenUser ? tokenUser : Number(user_id),
		description,
		order_products: order_products.map((p) => ({ product_id: Number(p.product_id), count: Number(p.count) })),
	};
	const order = await ctx.call<OrderView, CreateOrderInput>("orders.create", input).catch(renameKeyConflict);
	return { order_id: order.order_id };
};

const GetOrder: OrdersApiMethod = async (ctx) => {
	const id = knownId(ctx.params.order_id);
	if (id === null) throw new GrpcError(Status.NOT_FOUND, `Order ${String(ctx.params.order_id)} not found`);
	const order = await ctx.call<OrderView, object>("orders.get", { order_id: id });
	return { order_id: order.order_id, order_products: order.order_products, description: order.description, state: order.state };
};

const GetOrderStates: OrdersApiMethod = async (ctx) => {
	const id = knownId(ctx.params.order_id);
	if (id === null) return { order_states: [] };
	try {
		const { order_states } = await ctx.call<{ order_states: Array<{ state: string; time: string }> }, object>("orders.states", { order_id: id });
		return { order_states: order_states.map((s) => ({ state: s.state, time: timestamp(s.time) })) };
	} catch (err) {
		if (isOrderNotFound(err)) return { order_states: [] };
		throw err;
	}
};

/**
 * Every order of the user, oldest first as the Go service answered, read page by
 * page (REST's pages, newest first) and turned round; more than maxOrders is refused, not cut.
 */
const GetOrders: OrdersApiMethod = async (ctx, { maxOrders }) => {
	// User 0 is the user 0, as for the Go service: it has no orders (this service refuses 0 as a user id);
	// neither has a user id past what JSON carries exactly.
	const userId = toUserId(ctx.params.user_id);
	if (userId === null) return { orders: [] };
	const orders: OrderView[] = [];
	let cursor: string | null = null;
	do {
		const limit = Math.min(MAX_LIMIT, maxOrders + 1 - orders.length);
		const page: OrdersPage = await ctx.call<OrdersPage, object>("orders.list", { user_id: userId, limit, ...(cursor ? { cursor } : {}) });
		orders.push(...page.orders);
		if (orders.length > maxOrders) {
			throw new GrpcError(
				Status.RESOURCE_EXHAUSTED,
				`User ${userId} has more than ${maxOrders} orders (GRPC_MAX_ORDERS): page through them with GET /api/orders?user_id=${userId}&limit=${MAX_LIMIT} and its next_cursor`,
			);
		}
		cursor = page.next_cursor;
	} while (cursor);
	return { orders: orders.reverse().map((o) => ({ order_id: o.order_id, description: o.description, state: o.state })) };
};

const GetPing: OrdersApiMethod = async (_ctx, { databaseUrl }) => {
	try {
		await checkPostgres(databaseUrl, SINGLE_ATTEMPT, "own");
	} catch {
		throw new GrpcError(Status.UNAVAILABLE, "The database is unavailable, try again later");
	}
	return { pong: true };
};

export const ORDERS_API_METHODS = { CreateOrder, GetOrder, GetOrderStates, GetOrders, GetPing } as const;
export type OrdersApiMethodName = keyof typeof ORDERS_API_METHODS;
