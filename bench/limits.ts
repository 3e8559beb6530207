/** The prose of docs/benchmarks.md about each figure: how it is measured and what holds it back. */
export const LIMITS = `- **Create** — closed loop of N HTTP clients posting an order of 3 products to a node running
  api-gateway and orders; raw: the same 4-statement transaction from a \`pg\` pool of the same size.
- **GET** — 64 clients reading random orders of 1,000, on a node with the Redis read cache and on one without.
- **Outbox** — 1 and 2 relays draining a backlog; raw: kafkajs \`sendBatch\` of the same batch size
  (OUTBOX_BATCH_SIZE) with acks -1. Idle: one event committed at a time, measured to its arrival on a consumer.
- **Listener** — a state + reserve-listener node applying N \`reserve\` messages, exactly-once checked
  after (N states, N applied keys); raw: a kafkajs consumer writing the same effect in the same batch
  size and partitions at once, without parsing checks, transition rules, parking or dead letters.
- **Saga** — orders offered at a steady rate (open loop) to an all-in-one node, the simulator answering;
  latency from ORDER_CREATED to the terminal state, both database timestamps. Raw: the same hops with
  \`pg\` and kafkajs only (create then send, no outbox; a bare consumer per answer topic).
- **Memory** — resident set (VmRSS) of each node process at the end of its figure.`;
