/**
 * Create over REST at 1, 16 and 64 clients against a plain `pg` pool of the
 * service's size running the same transaction at the same concurrency.
 * Transports are a list: REST (api-gateway) and gRPC (grpc-gateway, the seed's
 * CreateOrder), both on the same node.
 */
import { Pool } from "pg";
import type { BenchContext } from "../context";
import { leanUnaryCall, type GrpcAnswer } from "../grpc-lean-client";
import { http1Request, type Http1Answer } from "../http1-connections";
import type { BenchNode } from "../nodes";
import { rawCreateOrder, SAMPLE_ORDER } from "../raw-orders";
import { spreadText, type RatioSpread } from "../ratio-spread";
import { alternate, closedLoop, round, type Latency } from "../support";

export interface CreateFigure extends Latency {
	orders_per_s: number;
	raw_orders_per_s: number;
	raw_p50_ms: number;
	raw_p99_ms: number;
	ratio_vs_raw: number;
	/** The ratio of each slice against the raw slice after it (absent from results made before it was recorded). */
	ratio_spread?: RatioSpread;
	/**
	 * CPU per order (ms): the service node's, the load generator's for the service's
	 * calls (its HTTP or gRPC client), and the load generator's for raw's (its `pg`
	 * client). Where the service's per order CPU goes, beside what raw pays.
	 */
	cpu_ms_per_order?: { node: number; client: number; raw_client: number };
}

export interface CreateTransport {
	name: string;
	/** One create; throws unless the order was created. */
	create(node: BenchNode): Promise<void>;
}

const body = JSON.stringify(SAMPLE_ORDER);
const restClients = new WeakMap<BenchNode, () => Promise<Http1Answer>>();

/** POST /api/orders over keep-alive HTTP/1.1 connections of a lean client (bench/http1-connections.ts). */
export const REST: CreateTransport = {
	name: "rest",
	async create(node) {
		let post = restClients.get(node);
		if (!post) restClients.set(node, (post = http1Request(node.port, "POST", "/api/orders", body)));
		const { status, body: answer } = await post();
		if (status !== 201) throw new Error(`POST /api/orders answered ${status}: ${answer}`);
	},
};

const grpcCalls = new WeakMap<BenchNode, () => Promise<GrpcAnswer>>();

/** The seed's ordersapi.OrdersApi/CreateOrder on the node's grpc-gateway, from a lean client over one HTTP/2 connection (bench/grpc-lean-client.ts). */
export const GRPC: CreateTransport = {
	name: "grpc",
	async create(node) {
		let call = grpcCalls.get(node);
		if (!call) grpcCalls.set(node, (call = leanUnaryCall(node.grpcPort, "CreateOrder", SAMPLE_ORDER).call));
		const { status, message, reply } = await call();
		// An OrderId with a non-zero order_id is never empty on the wire.
		if (status !== 0 || reply.length === 0) throw new Error(`CreateOrder answered grpc-status ${status} ${message} (${reply.length} reply bytes)`);
	},
};

export const CLIENTS = [1, 16, 64] as const;
const WARM_SECONDS = 3;

/** Figures per transport: `{ rest: { c1, c16, c64 } }`. */
export async function createFigures(ctx: BenchContext, node: BenchNode, databaseUrl: string, transports: CreateTransport[] = [REST]): Promise<Record<string, Record<string, CreateFigure>>> {
	const slices = ctx.quick ? 3 : 6;
	const secondsEach = ctx.quick ? 1 : 2;
	const pool = new Pool({ connectionString: databaseUrl, max: ctx.dbPoolMax });
	const figures: Record<string, Record<string, CreateFigure>> = {};
	try {
		for (const transport of transports) {
			figures[transport.name] = {};
			for (const clients of CLIENTS) {
				const service_ = () => transport.create(node);
				const raw_ = async () => void (await rawCreateOrder(pool, "bench-raw"));
				// Both warmed alike (JIT, pool connections, the database's caches), so neither measures a cold start.
				// The node's JIT settles over its first few thousand creates (its CPU per create at 1 client
				// halves between the first and the fifth second), so each load is warmed 3 s.
				for (const warm of [service_, raw_]) await closedLoop(clients, WARM_SECONDS, warm);
				// The node works only in the service's slices, so its CPU over both is the service's.
				const nodeCpuAtStart = node.cpuMs();
				const [service, raw, spread] = await alternate(slices, secondsEach, clients, service_, raw_);
				const nodeCpuMs = node.cpuMs() - nodeCpuAtStart;
				const figure = {
					orders_per_s: service.per_s,
					p50_ms: service.p50_ms,
					p99_ms: service.p99_ms,
					max_ms: service.max_ms,
					raw_orders_per_s: raw.per_s,
					raw_p50_ms: raw.p50_ms,
					raw_p99_ms: raw.p99_ms,
					ratio_vs_raw: round(service.per_s / raw.per_s, 2),
					ratio_spread: spread,
					cpu_ms_per_order: { node: round(nodeCpuMs / service.calls, 3), client: service.client_cpu_ms_per_call, raw_client: raw.client_cpu_ms_per_call },
				} satisfies CreateFigure;
				figures[transport.name][`c${clients}`] = figure;
				const cpu = figure.cpu_ms_per_order;
				ctx.log(`create ${transport.name} c${clients}: ${service.per_s}/s (p99 ${service.p99_ms} ms, CPU/order node ${cpu.node} + client ${cpu.client} ms), raw ${raw.per_s}/s (client ${cpu.raw_client} ms), ratio ${figure.ratio_vs_raw} (${spreadText(spread)})`);
			}
		}
	} finally {
		await pool.end();
	}
	return figures;
}
