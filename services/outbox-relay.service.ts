/**
 * outbox-relay: publishes the transactional outbox to Kafka (lib/outbox-relay.ts).
 * No actions: it is woken by PostgreSQL's NOTIFY at commit, not by calls.
 */
import type { Service, ServiceSchema } from "moleculer";
import { config } from "../lib/config";
import { createOutboxRelay, type OutboxRelay } from "../lib/outbox-relay";

const cfg = config();
const relays = new WeakMap<Service, OutboxRelay>();

const OutboxRelayService: ServiceSchema = {
	name: "outbox-relay",

	created() {
		relays.set(this, createOutboxRelay(cfg, this.logger));
	},

	async started() {
		await relays.get(this)?.start();
	},

	async stopped() {
		await relays.get(this)?.stop();
	},
};

export default OutboxRelayService;
