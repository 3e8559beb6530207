import type { BenchResults } from "./report";
import { HELD_SHARE, sagaRatesOf, type SagaRate } from "./figures/saga";

/** The prose of docs/benchmarks.md about each figure: how it is measured and what holds it back. */
export const LIMITS = `Everything shares one small machine, so the first limit of every figure is CPU: the
service's nodes, PostgreSQL, Kafka (a JVM), Redis, the load generator and the simulator take turns on
the same cores. On such a machine a round trip to PostgreSQL or Kafka costs more than its own work: the
write that sends it wakes the receiving process, which often takes the caller's core (a CPU profile
of a node shows \`writev\` as its largest item). Fewer round trips is what made every figure here
faster. Figures taken seconds apart move noticeably, the saga's tail most of all in \`--quick\`'s short
rounds; compare ratios, and the raw figures of the same run, and read the load average before and
after the run (above) before trusting a figure. Beside a throughput ratio the tables give its spread:
the lowest and highest ratio of each service slice or round against the raw one beside it (the
outbox's first 1-relay drain against the raw run before it, its second against the raw run after it), and how many such pairs there are.

- **Create** — a closed loop of N HTTP/1.1 keep-alive clients (bench/http1-connections.ts: one TCP
  connection per client, the request's bytes built once, the response read by its status line,
  headers and Content-Length; about half node:http's CPU per call) posting an order of 3 products,
  or of N gRPC CreateOrder calls (a lean node:http2 client, one connection: bench/grpc-lean-client.ts), to a node running api-gateway,
  grpc-gateway and orders; raw: the same SQL statement from a \`pg\`
  pool of the same size, no HTTP. Service and raw run in alternating short slices, each load warmed 3 s first (the node's
  JIT is still settling after 1 s: its CPU per create at 1 client halves from the first to the fifth second). The create is ONE
  statement (lib/orders/create-order-statement.ts, shared by both: the order, its products,
  ORDER_CREATED and the outbox row, in data-modifying CTEs), one round trip; the service sends it on
  a \`pg\` client of its node's pool, past Sequelize's query path, and by name: each connection
  parses and plans it once, then only binds and executes it. Raw sends the statement's text each
  time, as \`pg\` does unless told otherwise, so PostgreSQL parses and plans it per order: that
  saving is the service's design (as the group commit below is), and at 1 client it is part of the
  ratio. Raw sends one statement, one transaction and one commit per order at every load. The service
  does so only while its node has fewer than two creates at the database: creates that arrive while
  two are there wait for one to finish and then go together, as one statement of several orders
  (lib/orders/order-writer.ts, a group commit), each order whole or absent, a refused one retried
  alone. At 1 client that never happens, so the 1-client rows compare the same database work; at 16
  and 64 clients the service pays one round trip, one plan and one WAL flush per batch where raw pays
  them per order, and the ratio says what that design buys, not what the service's own CPU costs
  (the CPU per order columns still say that). What the service adds is per request CPU: HTTP parsing and the JSON body parser
  (moleculer-web) or HTTP/2 and protobuf (grpc-js; with tracing off a create is one Moleculer call,
  \`orders.create\`, on the method's own context; with tracing on the method is an action too, for its span), parameter validation, the idempotency key the
  gateway gives every create (a UUID, a SHA-256 of the body), the Moleculer context and its
  middlewares, and the reply. Each row gives the CPU per order it measured: the node's (from /proc),
  the load generator's for the service's calls (its HTTP or gRPC client) and for raw's (its \`pg\`
  client). Raw's client-side cost is its \`pg\` client alone; the service's is the node's plus its
  client's, several times more, and that is the design (a gateway process in front of the
  statement, reached over HTTP), not a setting: a node's profile has no large item left, its time
  goes to the socket writes (the reply, the statement), garbage collection in \`start:prod\`'s small
  young generation, and a few per cent each for moleculer-web, Moleculer's call, grpc-js and pg. At 1
  client nothing overlaps, so a create's latency is raw's plus that CPU plus a second pair of
  process wake-ups (client -> node -> PostgreSQL): a ratio r needs the node's and its client's CPU
  per order under (1/r - 1) times raw's latency, which the rows show it is not. At 16 and 64
  clients the database is the common limit, and the service's CPU per order is taken from the same
  2 cores PostgreSQL needs. gRPC's rows cost more than REST's on both sides, and none of it is a
  setting of the gateway: a profile of the node under the gRPC load (\`--cpu-prof\`) is as flat as
  under REST (the statement's socket write, then garbage collection, then grpc-js and node:http2
  together, then Moleculer and pg; proto-loader's decoding and encoding, with the int64-as-string
  and defaults the contract needs, and the gateway's own metadata, deadline and error code are each
  a small part), and grpc-js answers a
  unary call in two socket writes (the headers and the message, then the trailers once the
  message's write has completed: a server interceptor that sends the status at once still leaves in
  two writes), so the client wakes twice per reply. The load generator calls it with a lean client
  of its own (node:http2, the request serialized once), as it calls REST with a lean HTTP/1.1 one:
  grpc-js's client spent about twice the CPU per call, taken from the 2 cores the service needs and,
  at 1 client, on the latency path; an HTTP/2 stream still costs the client more than a keep-alive
  HTTP/1.1 request. Under
  64 clients a call waits longer than two scavenges of the smallest young generation, so with that
  setting nearly every call's objects were promoted and the old generation, collected lazily, grew
  far past its live size with its freed pages resident; \`start:prod\`'s flags (a young generation
  of a few MiB, the old generation grown by a fixed share per full collection: docs/operations.md)
  keep that down. A heap snapshot (which collects first) taken after the 64-client figure holds what
  one taken before it held: nothing of the gateway or grpc-js outlives its call: what stays
  resident is heap pages, not retained calls.
- **GET** — 64 clients reading random orders of 1,000, on a node with the Redis read cache and on one
  without, alternating slices. The cache saves the PostgreSQL query; both pay HTTP and Moleculer.
  Raw: the same read (the order and its products in one statement) from a \`pg\` pool of the same
  size behind a plain node:http server in a process of its own, in alternating slices with the node
  without the cache; the ratio is that node's reads over raw's.
- **Outbox** — 1 and 2 relays draining a backlog written in one transaction while they run
  (connected and idle), timed from that commit to their last batch's commit, counted in the bench
  process (no query polls the backlog meanwhile);
  raw: kafkajs \`sendBatch\` of the same batch size (OUTBOX_BATCH_SIZE) with acks -1, timed after its
  producer connected. Each side runs once untimed first (they share the bench process, and cold
  code is several times slower than warm), then raw, relay, relay, raw (ABBA), each side's rate the
  mean of its two. A relay reads the outbox as a log (docs/outbox-as-a-log.md): per batch one read
  of its slots' rows up to the fence, as one row (the keys as a JSON array, the Kafka values, encoded
  by the writer's transaction, joined by newlines), and the send; the read of the next batch also
  moves the positions of the batch sent before it, so a relay that keeps finding full batches makes
  one round trip to PostgreSQL per batch, issued before the send so the two overlap. No outbox row
  is locked or written. Of 2 relays, each slot is read by the one
  that took it first, for as long as its session lives: usually one takes all 64 and the other
  stands by, so a second relay is there for failover, not throughput. The run logs each side's CPU
  per event (relay process, its PostgreSQL backends, the broker), which says which one bounds the
  drain. Idle: one
  event committed at a time, measured to its arrival on a consumer (consumer maxWaitTimeInMs 100):
  NOTIFY wakes the relay at commit; the tail is scheduling on a busy machine.
- **Listener** — a state + reserve-listener node applying N \`reserve\` messages, exactly-once checked
  after (N states, N applied keys); raw: a kafkajs consumer writing the same effect in the same batch
  size with the same partitions at once, without parsing checks, transition rules, parking, cache
  invalidation or dead letters, in a process of its own started like the service node (same node
  flags, \`start:prod:batch\`'s, as production starts a node of state or a listener: the same heap
  and garbage collector). Both are timed by the database's clock alike: from
  the first state recorded to the last (order_states.recorded_at), so neither process's own stopwatch,
  its start or its group join is in the figure; both are polled alike for the end. The messages go in
two rounds of half each (100,000 messages a round in a full run, a few seconds of draining: in
  rounds of a second a garbage collection or a slow fetch moved a round's rate by a tenth), in the
  order raw, service, service, raw, so a drift of the shared machine
hits both sides alike; each side's rate is that of its two rounds together. The tables are
  analysed after seeding (what autovacuum does to a table in use), so both sides' statements get
  their production plans. Per batch the service runs, on a bare \`pg\`
  connection of its pool, BEGIN with the lock and the read under the locks (the batch's own keys
  among the applied ones and the orders' history, each an index probe per message; parked
  messages), answered as one JSON text, in one round trip (each message goes to the state service
  by its position alone; its bytes go only with one that is early, to be parked), the write statement (lib/state/record-states-statement.ts,
  shared with raw) and commit, plus the \`orders.changed\` broadcast of the changed orders (on this
  node, which runs no orders service, a local broadcast with no handler); raw runs BEGIN, lock,
  write, commit. On the node itself the largest item was garbage collection: a batch of a thousand
  messages and what is made of it stay live across the batch's database round trips, and with
  \`start:prod\`'s small young generation (which keeps a gateway node within its memory budget) most
  of it was promoted and collected again in the old generation. Nodes of state or a listener
  therefore start with \`npm run start:prod:batch\` (\`--max-semi-space-size=8 --heap-growing-percent=50\` instead of \`=2\` and \`=20\`; the compose
  file and the Kubernetes overlays start them so, docs/operations.md), so that such a batch dies
  young. The run logs each side's CPU per message, of the node and of its
  database backends: most of either side's cost is PostgreSQL's, the write of the states, keys
  and current states, which both sides pay alike.
- **Saga** — orders offered at a steady rate to an all-in-one node, the simulator answering (one send
  per round of answers for the orders of a fetched batch). Open loop: the schedule of sends is fixed
  before the round, no send waits for an answer, and each order's latency runs from its scheduled
  send (wall clock) to its terminal state as the database recorded it (same host clock), so time
  queued in the client's sockets, HTTP, Moleculer or an event loop counts; a create unanswered in
  10 s counts as failed. Achieved is the answered creates over the time from the first send to the
  last answer; a rate is held when achieved is at least ${HELD_SHARE * 100} % of offered and no create failed, and
  the capacity figure counts only rates held with every order finished and p99 under 1 s. The rates
  are fixed up to 400 orders/s, and the search goes on past it while the service holds. Raw: a
  process of its own with a bare node:http server, \`pg\` and kafkajs (create then send the event, no
  outbox; a bare consumer per answer topic writing the states), on twin topics with the same
  partitions and a simulator of its own, offered the same schedule by the same driver. Both chains
  run side by side and take turns at each rate (service, then raw), so a drift of the shared machine
  hits both alike; a warm-up (50 orders/s for 3 s) comes first.
  The hops rows split the chain: the client's send -> ORDER_CREATED recorded (HTTP, Moleculer and the
  create's transaction), outbox row -> its batch committed by the relay (after the broker's
  acknowledgement), ORDER_CREATED -> reserve answer recorded, reserve
  answer -> terminal state (raw has no parking: its two consumers may record a payment state before
  the reserve state, which shows as a negative hop). The load rows say what limits it: how busy the
  machine's CPUs and each node's event loop were, and how late the load generator itself sent
  against its schedule (its lateness counts in the latency, since the clock starts at the schedule).
  Each of the service's sequential steps (NOTIFY, the relay's two round trips and its send, per answer
  a listener transaction plus the cache call and the offset commit) waits its turn for the loop and
  for a core, where raw sends the event inside the create and writes a state in fewer round trips.
  When the offered rate is above what the machine sustains, creates queue and every later hop waits
  behind them; read a ratio with the achieved rate and the failed-create count beside it.
- **Memory** — resident set (VmRSS) of the node processes, which run compiled (\`dist/\`) with
  \`start:prod\`'s node flags: the api node after the 64-client create figures (the target's
  moment), the listener node after draining its backlog, the all-in-one node at the end of the
  200 orders/s round and its most after any round (an overloaded round holds batches and buffers in
  flight). \`npm run bench:memory\` measures every single-service node and the all-in-one one under
  a bounded load (docs/operations.md).`;

/** One target of the issue: where its figure is in the results, and the bound it must meet. */
export interface Target {
	/** Its key in the results' `targets`. */
	id: string;
	/** Names the figure as the table does. */
	figure: string;
	/** "min": the figure must be at least `bound`; "max": at most. */
	kind: "min" | "max";
	bound: number;
	/** How the bound reads, e.g. ">= 0.8x". */
	label: string;
	/** The figure in a results object, or undefined when the run did not measure it. */
	read(r: BenchResults): number | null | undefined;
}

const sagaRate = (r: BenchResults, rate: number) => r.saga?.[`r${rate}`] as SagaRate | undefined;

/** The capacity figure, but only from results that judged every round by the held rule (older results counted unheld rates). */
function heldCapacity(r: BenchResults): number | null | undefined {
	const rates = sagaRatesOf(r.saga);
	if (rates.length === 0 || rates.some((rate) => typeof sagaRate(r, rate)?.held !== "boolean")) return undefined;
	return r.saga?.max_rate_p99_under_1s as number | null;
}

/**
 * The targets (2-core machine, everything co-located): ratios against the raw
 * baseline of the same run, or absolute bounds where the issue sets one.
 */
export const TARGETS: Target[] = [
	{ id: "outbox_drain", figure: "outbox drain, 1 relay, vs warm raw kafkajs", kind: "min", bound: 0.8, label: ">= 0.8x", read: (r) => r.outbox?.ratio_vs_raw },
	{ id: "outbox_idle", figure: "outbox idle commit -> consumer, p99", kind: "max", bound: 15, label: "p99 <= 15 ms", read: (r) => r.outbox?.idle_p99_ms },
	{
		id: "listener_apply", figure: "listener apply, exactly once, vs raw effect",
		kind: "min",
		bound: 0.8,
		label: ">= 0.8x, exactly once",
		// Not exactly once is a miss whatever the speed.
		read: (r) => (r.listener === undefined ? undefined : r.listener.exactly_once ? r.listener.ratio_vs_raw : 0),
	},
	{ id: "create_rest_c1", figure: "create REST, 1 client", kind: "min", bound: 0.7, label: ">= 0.7x", read: (r) => r.create?.c1?.ratio_vs_raw },
	{ id: "create_rest_c64", figure: "create REST, 64 clients", kind: "min", bound: 0.85, label: ">= 0.85x", read: (r) => r.create?.c64?.ratio_vs_raw },
	{ id: "create_grpc_c1", figure: "create gRPC, 1 client", kind: "min", bound: 0.6, label: ">= 0.6x", read: (r) => r.create_grpc?.c1?.ratio_vs_raw },
	{ id: "create_grpc_c64", figure: "create gRPC, 64 clients", kind: "min", bound: 0.8, label: ">= 0.8x", read: (r) => r.create_grpc?.c64?.ratio_vs_raw },
	{
		id: "saga_200", figure: "saga at 200 orders/s, p99 from the client's send vs the raw chain's",
		kind: "max",
		bound: 1.5,
		label: "<= 1.5x raw, rate held",
		// A round that did not hold its rate has no comparable tail: a miss.
		read: (r) => {
			const s = sagaRate(r, 200);
			return s === undefined ? undefined : s.held ? s.ratio_vs_raw : null;
		},
	},
	{ id: "saga_capacity", figure: "saga, highest rate held with p99 under 1 s", kind: "min", bound: 400, label: ">= 400 orders/s", read: heldCapacity },
	{ id: "api_memory", figure: "resident memory, api node after the 64-client figures", kind: "max", bound: 150, label: "<= 150 MiB", read: (r) => r.memory?.api_mb },
];
