/**
 * The kinds of node a chaos run starts, each twice. "full" gives every service a
 * node kind of its own; "compact" packs them into three kinds (fewer processes
 * for the short run in `npm test`), still every service on two nodes.
 */
import type { ServiceName } from "../../lib/platform/config/config";

export interface NodeKind {
	kind: string;
	services: ServiceName[];
}

export const LAYOUTS = {
	full: [
		{ kind: "gateway", services: ["api-gateway"] },
		{ kind: "orders", services: ["orders"] },
		{ kind: "state", services: ["state"] },
		{ kind: "reserve", services: ["reserve-listener"] },
		{ kind: "payment", services: ["payment-listener"] },
		{ kind: "relay", services: ["outbox-relay"] },
	],
	compact: [
		{ kind: "front", services: ["api-gateway", "orders", "state"] },
		{ kind: "listeners", services: ["reserve-listener", "payment-listener"] },
		{ kind: "relay", services: ["outbox-relay"] },
	],
} satisfies Record<string, NodeKind[]>;

export type LayoutName = keyof typeof LAYOUTS;

export const REPLICAS = 2;

/** The kind whose nodes run `service`. */
export function kindOf(layout: NodeKind[], service: ServiceName): string {
	const found = layout.find((k) => k.services.includes(service));
	if (!found) throw new Error(`no node kind runs ${service}`);
	return found.kind;
}
