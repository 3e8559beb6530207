/**
 * The operator console on api-gateway: the pages and their assets under
 * /console (open: they hold no data), and the fragments under
 * /console/fragments, which authenticate like the REST API and, with
 * authentication on, need the orders:operator scope. Each fragment calls the
 * action behind the matching REST route and renders its answer as HTML (htmx
 * swaps it in). Stuck orders and dead letters are read through the actions the
 * REST routes map to, so the console follows them.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { ApiRouteSchema } from "moleculer-web";
import { ForbiddenError, NotOfferedError } from "../domain/errors/catalog";
import { CONSOLE_NEEDS_OPERATOR, isOperator } from "../domain/operator-only";
import { toPositiveInt } from "../domain/order-input";
import { consoleAsset } from "../lib/console/assets";
import { consolePage, type ConsoleView } from "../lib/console/pages";
import { renderOverview, type Overview } from "../lib/console/render-overview";
import { renderDeadLetters, renderRedrives, renderStuck, type Redrive, type StuckOrder } from "../lib/console/render-operations";
import { renderOrderList, renderTimeline, type DeadLetterRow } from "../lib/console/render-orders";
import type { OrderSummary } from "../domain/order-view";
import type { OrderTimeline } from "../lib/console/timeline-store";
import type { OrdersMeta } from "../domain/orders-meta";

type FragmentMeta = OrdersMeta & { $responseType?: string };
type Query = Record<string, string | undefined>;
type Page<K extends string, T> = Record<K, T[]> & { next_cursor: string | null };

/** The REST aliases the stuck and dead-letter fragments read through. */
const REST = {
	stuck: "GET /orders/stuck",
	deadLetters: "GET /dead-letters",
	redrive: "POST /dead-letters/redrive",
	redrives: "GET /dead-letters/redrives",
} as const;

const forbidden = (): ForbiddenError => new ForbiddenError(CONSOLE_NEEDS_OPERATOR);

const notOffered = (what: string): NotOfferedError => new NotOfferedError(`This service has no ${what}`);

/** The query without its empty fields (an HTML form sends every field). */
const filled = (query: Query, names: string[]): Record<string, string> =>
	Object.fromEntries(names.flatMap((n) => (query[n] ? [[n, query[n] as string]] : [])));

/** A page of the console, or one of its assets; anything else under /console is a 404. */
function pageHandler(view: ConsoleView) {
	return function (this: Service<{ security?: { auth: unknown } }>, req: IncomingMessage & { $params?: Query }, res: ServerResponse): void {
		const orderId = view === "order" ? toPositiveInt(req.$params?.order_id) : null;
		if (view === "order" && orderId === null) return void send(res, 404, "text/plain; charset=utf-8", "No such order id");
		send(res, 200, "text/html; charset=utf-8", consolePage(view, Boolean(this.settings.security?.auth), orderId));
	};
}

function assetHandler(req: IncomingMessage & { $params?: Query }, res: ServerResponse): void {
	const asset = consoleAsset(req.$params?.file ?? "");
	if (!asset) return void send(res, 404, "text/plain; charset=utf-8", "No such asset");
	res.setHeader("Cache-Control", "public, max-age=86400");
	send(res, 200, asset.type, asset.body);
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
	res.setHeader("Content-Type", type);
	res.setHeader("X-Content-Type-Options", "nosniff");
	res.writeHead(status);
	res.end(body);
}

/** The console's two routes, in the order they must be matched (the fragments' path is inside the pages'). */
export function consoleRoutes(): ApiRouteSchema[] {
	return [
		{
			path: "/console/fragments",
			mappingPolicy: "restrict",
			autoAliases: false,
			authentication: true,
			authorization: true,
			// htmx posts forms (the redrive's few fields).
			bodyParsers: { json: false, urlencoded: { extended: false, limit: "4kb" } },
			aliases: {
				"GET /overview": "api-gateway.consoleOverview",
				"GET /orders": "api-gateway.consoleOrders",
				"GET /orders/:order_id/timeline": "api-gateway.consoleTimeline",
				"GET /stuck": "api-gateway.consoleStuck",
				"GET /dead-letters": "api-gateway.consoleDeadLetters",
				"POST /dead-letters/redrive": "api-gateway.consoleRedrive",
				"GET /dead-letters/redrives": "api-gateway.consoleRedrives",
			},
		},
		{
			path: "/console",
			mappingPolicy: "restrict",
			autoAliases: false,
			authentication: false,
			aliases: {
				"GET /": pageHandler("overview"),
				"GET /orders": pageHandler("orders"),
				"GET /orders/:order_id": pageHandler("order"),
				"GET /stuck": pageHandler("stuck"),
				"GET /dead-letters": pageHandler("dead-letters"),
				"GET /assets/:file": assetHandler,
			},
		},
	];
}

type GatewayRoutes = { routes?: ApiRouteSchema[] };

/** The action a REST alias of the /api route maps to, if the service has that route. */
function restAction(settings: GatewayRoutes, alias: string): string | undefined {
	const api = settings.routes?.find((r) => r.path === "/api");
	const target = api?.aliases?.[alias] as string | { action?: string } | undefined;
	return typeof target === "string" ? target : target?.action;
}

/** Calls the action behind a REST alias; 404 when the service has no such route. */
function viaRest<T>(ctx: Context, settings: GatewayRoutes, alias: string, params: object, what: string): Promise<T> {
	const action = restAction(settings, alias);
	if (!action) throw notOffered(what);
	return ctx.call<T, object>(action, params);
}

/** Renders as HTML: the route answers with this content type. */
function asHtml(ctx: Context<unknown, FragmentMeta>, fragment: { text: string }): string {
	ctx.meta.$responseType = "text/html; charset=utf-8";
	return fragment.text;
}

const ORDER_QUERY = ["user_id", "state", "cursor"];

/** The redrive's JSON body from the form htmx posts (every field a string): the numbers as numbers. */
function redriveBody(form: Query): Record<string, string | number> {
	const body: Record<string, string | number> = filled(form, ["topic", "reason", "offset"]);
	for (const name of ["partition", "order_id"]) if (form[name]) body[name] = Number(form[name]);
	return body;
}

export const ConsolePages: Partial<ServiceSchema<ServiceSettingSchema & GatewayRoutes>> = {
	methods: {
		/** moleculer-web's authorization hook of the fragment route: operators only, when authentication is on. */
		authorize(ctx: Context<unknown, OrdersMeta>) {
			if (!isOperator(ctx.meta.user)) throw forbidden();
		},
	},
	actions: {
		consoleOverview: {
			visibility: "published",
			async handler(ctx: Context<unknown, FragmentMeta>) {
				return asHtml(ctx, renderOverview(await ctx.call<Overview>("orders.overview")));
			},
		},
		consoleOrders: {
			visibility: "published",
			async handler(ctx: Context<Query, FragmentMeta>) {
				if (ctx.params.order_id) {
					const order = await ctx.call<OrderSummary, object>("orders.get", { order_id: ctx.params.order_id }).catch((err: { code?: number }) => {
						if (err.code === 404) return null;
						throw err;
					});
					return asHtml(ctx, renderOrderList(order ? [order] : [], null));
				}
				const filters = filled(ctx.params, ORDER_QUERY);
				const page = await ctx.call<Page<"orders", OrderSummary>, object>("orders.list", filters);
				const next = page.next_cursor ? new URLSearchParams({ ...filters, cursor: page.next_cursor }).toString() : null;
				return asHtml(ctx, renderOrderList(page.orders, next));
			},
		},
		consoleTimeline: {
			visibility: "published",
			async handler(ctx: Context<Query, FragmentMeta>) {
				const timeline = await ctx.call<OrderTimeline & { ended: boolean; awaiting: string }, object>("orders.timeline", { order_id: ctx.params.order_id });
				const action = restAction(this.settings, REST.deadLetters);
				const letters = action ? (await ctx.call<Page<"dead_letters", DeadLetterRow>, object>(action, { order_id: String(timeline.order_id) })).dead_letters : null;
				return asHtml(ctx, renderTimeline(timeline, letters));
			},
		},
		consoleStuck: {
			visibility: "published",
			async handler(ctx: Context<Query, FragmentMeta>) {
				const filters = filled(ctx.params, ["state"]);
				const page = await viaRest<Page<"orders", StuckOrder>>(ctx, this.settings, REST.stuck, filled(ctx.params, ["state", "cursor"]), "stuck-order list");
				return asHtml(ctx, renderStuck(page.orders, page.next_cursor, filters));
			},
		},
		consoleDeadLetters: {
			visibility: "published",
			async handler(ctx: Context<Query, FragmentMeta>) {
				const page = await viaRest<Page<"dead_letters", DeadLetterRow>>(ctx, this.settings, REST.deadLetters, filled(ctx.params, ["topic", "reason", "order_id", "cursor"]), "dead-letter store");
				return asHtml(ctx, renderDeadLetters(page.dead_letters, page.next_cursor));
			},
		},
		consoleRedrive: {
			visibility: "published",
			async handler(ctx: Context<Query, FragmentMeta>) {
				const done = await viaRest<Redrive>(ctx, this.settings, REST.redrive, redriveBody(ctx.params), "dead-letter redrive");
				const page = await viaRest<Page<"dead_letters", DeadLetterRow>>(ctx, this.settings, REST.deadLetters, {}, "dead-letter store");
				return asHtml(ctx, renderDeadLetters(page.dead_letters, page.next_cursor, done));
			},
		},
		consoleRedrives: {
			visibility: "published",
			async handler(ctx: Context<Query, FragmentMeta>) {
				const page = await viaRest<Page<"redrives", Redrive>>(ctx, this.settings, REST.redrives, {}, "redrive audit");
				return asHtml(ctx, renderRedrives(page.redrives));
			},
		},
	},
};
