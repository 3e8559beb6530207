/**
 * The operator console's reads on the orders service: `orders.overview` (the
 * live figures of the first page) and `orders.timeline` (one order's saga). Both
 * for operators only when authentication is on. The stuck-order and
 * dead-letter figures come from their own actions when a node runs them.
 */
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Admin } from "kafkajs";
import { ForbiddenError, OrderNotFoundError } from "../domain/errors/catalog";
import { CONSOLE_NEEDS_OPERATOR, isOperator } from "../domain/operator-only";
import { awaitingOf } from "../domain/order-awaiting";
import type { AnswerTopics } from "../domain/stuck-orders";
import { orderIdParams, toPositiveInt } from "../domain/order-input";
import { consumerLag, type WatchedGroup } from "../lib/console/consumer-lag";
import { ordersPerMinute, outboxFigures, sagaDurations, smallRead, OVERVIEW_WINDOW_MINUTES } from "../lib/console/overview-store";
import { findTimeline } from "../lib/console/timeline-store";
import type { KafkaSecurity } from "../lib/platform/config/config";
import { createKafka } from "../lib/platform/clients/kafka";
import { withTimeout } from "../lib/platform/support/timeout";
import type { DbVars } from "./db.mixin";
import type { OrdersMeta } from "../domain/orders-meta";

export interface ConsoleReadSettings extends ServiceSettingSchema {
	/** The consumed topics, which name what an order waits for (the orders service's stuck settings). */
	stuck?: { topics: AnswerTopics };
	/** Where the overview reads consumer lag (given by the node; absent: no lag figures). */
	console?: { kafkaBrokers: string[]; kafkaSecurity: KafkaSecurity; clientIdPrefix: string; watched: WatchedGroup[] };
}

type ConsoleReadVars = Partial<DbVars>;

/** Each service's Kafka admin for the lag: connected on the first overview, kept until the service stops. */
const lagAdmins = new WeakMap<Service, Promise<Admin>>();

function lagAdminOf(service: Service, cfg: NonNullable<ConsoleReadSettings["console"]>): Promise<Admin> {
	const known = lagAdmins.get(service);
	if (known) return known;
	const admin = createKafka(cfg.kafkaBrokers, `${cfg.clientIdPrefix}-console`, 1, cfg.kafkaSecurity).admin();
	const connected = admin.connect().then(() => admin);
	lagAdmins.set(service, connected);
	// A failed connect is tried again by the next overview.
	connected.catch(() => lagAdmins.delete(service));
	return connected;
}

/** How long the overview waits for Kafka's offsets (a first call connects the admin client too). */
const LAG_WAIT_MS = 3_000;

/** Actions of another service the overview shows when a node runs it. */
const OPTIONAL_SUMMARIES = { stuck: "orders.stuckSummary", deadLetters: "state.deadLetterSummary" } as const;

function requireOperator(ctx: Context<unknown, OrdersMeta>): void {
	if (!isOperator(ctx.meta.user)) throw new ForbiddenError(CONSOLE_NEEDS_OPERATOR);
}

/** Nodes and the services each runs (internal `$`-services left out), from the registry this node sees. */
function nodesOf(ctx: Context): Array<{ id: string; available: boolean; services: string[] }> {
	return ctx.broker.registry
		.getNodeList({ onlyAvailable: false, withServices: true })
		.map((node) => ({
			id: node.id,
			available: node.available,
			services: [...new Set((node.services ?? []).map((s) => String(s.name)).filter((name) => !name.startsWith("$")))].sort(),
		}))
		.sort((a, b) => a.id.localeCompare(b.id));
}

/** The answer of an action some node may not run: null when none does, its error's message when it failed. */
async function ifRunning(ctx: Context, action: string): Promise<unknown> {
	if (!ctx.broker.registry.actions.isAvailable(action)) return null;
	return ctx.call(action).catch((err: Error) => ({ error: err.message }));
}

export const ConsoleReads: Partial<ServiceSchema<ConsoleReadSettings, object, ConsoleReadVars>> = {
	actions: {
		overview: {
			params: { $$strict: true },
			async handler(ctx: Context<unknown, OrdersMeta>) {
				requireOperator(ctx);
				const db = this.sequelize;
				if (!db) throw new Error("the orders service has no database");
				const watched = this.settings.console;
				const [[minutes, durations, outbox], lag, stuck, deadLetters] = await Promise.all([
					// One connection, one after the other: a refresh every few seconds takes no more of the pool.
					smallRead(db, async (t) => [await ordersPerMinute(db, t), await sagaDurations(db, t), await outboxFigures(db, t)] as const),
					// A Kafka that is down costs the page its lag figures, not its other figures.
					watched ? withTimeout(lagAdminOf(this, watched).then((admin) => consumerLag(admin, watched.watched)), LAG_WAIT_MS).catch(() => null) : null,
					ifRunning(ctx, OPTIONAL_SUMMARIES.stuck),
					ifRunning(ctx, OPTIONAL_SUMMARIES.deadLetters),
				]);
				return { window_minutes: OVERVIEW_WINDOW_MINUTES, per_minute: minutes, saga_duration: durations, outbox, consumer_lag: lag, stuck, dead_letters: deadLetters, nodes: nodesOf(ctx), at: new Date().toISOString() };
			},
		},

		timeline: {
			params: orderIdParams,
			async handler(ctx: Context<{ order_id: number | string }, OrdersMeta>) {
				requireOperator(ctx);
				const orderId = toPositiveInt(ctx.params.order_id) as number;
				const timeline = this.sequelize ? await findTimeline(this.sequelize, orderId) : null;
				if (!timeline) throw OrderNotFoundError.of(orderId);
				const topics = this.settings.stuck?.topics;
				if (!topics) throw new Error("service orders: settings.stuck is missing");
				return { ...timeline, ...awaitingOf(timeline.state, topics) };
			},
		},
	},

	async stopped() {
		const admin = await lagAdmins.get(this)?.catch(() => null);
		lagAdmins.delete(this);
		await admin?.disconnect();
	},
};
