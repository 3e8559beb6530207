/** The prose of docs/benchmarks.md about each figure: how it is measured and what holds it back. */
export const LIMITS = `Everything shares one small machine, so the first limit of every figure is CPU: the
service's node, PostgreSQL, Kafka (a JVM), Redis, the load generator and the simulator take turns on
two cores. A figure whose raw baseline is also far below its quiet-machine value was taken on a
starved machine (the earlier quiet-machine figures: create raw about 1,100/s at 64 clients, raw
kafkajs about 45,000 events/s); compare ratios.

- **Create** — a closed loop of N HTTP clients (node:http, keep-alive) posting an order of 3 products
  to a node running api-gateway and orders; raw: the same 4-statement transaction (order, products,
  ORDER_CREATED, outbox row) from a \`pg\` pool of the same size, no HTTP. Service and raw run in
  alternating 1–2 s slices. The database work is the same statements (checked with Sequelize's query
  log: START TRANSACTION, 4 INSERTs, COMMIT); what the service adds is per request CPU: HTTP parsing
  and the JSON body parser (moleculer-web), parameter validation, the idempotency key the gateway
  gives every create (a UUID, a SHA-256 of the body, a unique index entry), the Moleculer context and
  Sequelize's query path. A CPU profile of the api node under this load (\`--cpu-prof\`) shows no
  single hot function: socket writes (writev), Sequelize's query runner and GC lead, each a few per
  cent. On two shared cores that CPU is paid as queueing, so the ratio falls as clients grow.
- **GET** — 64 clients reading random orders of 1,000, on a node with the Redis read cache and on one
  without, alternating slices. The cache saves the PostgreSQL query; both pay HTTP and Moleculer.
- **Outbox** — 1 and 2 relays draining a backlog; raw: kafkajs \`sendBatch\` of the same batch size
  (OUTBOX_BATCH_SIZE) with acks -1. The relay adds per batch a claim query, an UPDATE marking the
  rows sent and a commit to the same Kafka send: measured on a quiet machine about 14 ms claim,
  29 ms send, 15 ms mark, 2 ms commit per 1,000 rows, so about 0.5x raw is what a safe
  (claim -> send -> mark in one transaction) relay gets on one connection; a second relay overlaps
  one relay's database time with the other's send. Idle: one event committed at a time, measured to
  its arrival on a consumer (consumer maxWaitTimeInMs 100): NOTIFY wakes the relay at commit, the tail
  is scheduling on a busy machine.
- **Listener** — a state + reserve-listener node applying N \`reserve\` messages, exactly-once checked
  after (N states, N applied keys); raw: a kafkajs consumer writing the same effect in the same batch
  size with the same partitions at once, without parsing checks, transition rules, parking, cache
  invalidation or dead letters. A CPU profile of the listener node shows it idle about a third of the
  time: it waits on PostgreSQL (lock, applied-key and parked lookups before the writes: three more
  round trips per 1,000 messages than raw) and on Redis (3 commands per changed order to invalidate
  the read cache).
- **Saga** — orders offered at a steady rate (open loop, at most 256 in flight, creates unanswered in
  10 s count as failed) to an all-in-one node, the simulator answering; latency from ORDER_CREATED to
  the terminal state, both database timestamps. Raw: a process of its own with a bare node:http
  server, \`pg\` and kafkajs (create then send the event, no outbox; a bare consumer per answer topic
  writing the states), on twin topics with the same partitions and the same simulator. The hops rows
  split the chain: outbox row -> relay claim, ORDER_CREATED -> reserve answer recorded, reserve answer
  -> terminal state. When the offered rate is above what create sustains on the machine (see the
  create figure at 64 clients), creates queue, and every later hop waits behind them: the saga's
  p99 then measures the backlog, not the hops. Failed creates have no latency: when many fail,
  the service's percentiles cover the orders that got in, so a ratio below 1.0x there flatters the
  service (the raw process accepts every create); read it with the failed-create count beside it.
- **Memory** — resident set (VmRSS) of each node process at the end of its figure. The nodes run as
  \`npm start\` runs them, through ts-node; production nodes run the compiled code and measure
  91–114 MiB under load (\`npm run bench:memory\`, docs/operations.md). Measured apart, a bare Node 24 holds
  42 MiB, Node with ts-node's TypeScript compiler loaded 107 MiB; the service's libraries (moleculer,
  moleculer-web, sequelize, kafkajs, pg, ioredis) loaded as plain JavaScript 103 MiB, through ts-node
  143 MiB. About 40–65 MiB of every node is the compiler, which a compiled build (tsc to dist/, run
  with plain node) would not carry; the rest grows with the batches in flight (kafkajs fetches up to
  1 MiB per partition, 1,000-message chunks) and the V8 heap's headroom after load.`;
