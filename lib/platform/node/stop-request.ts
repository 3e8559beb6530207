/**
 * A stop asked for while the node starts: the runner (node-runner.ts) asks,
 * the services (the Kafka listeners) end the start-up steps under way and begin no more.
 */
import type { ServiceBroker } from "moleculer";

/** Local event: the process will stop this node as soon as its start-up steps under way are done. */
const STOP_REQUESTED = "$node.stopRequested";

/** Tells the node's services not to begin further start-up steps (they end what is under way). */
export function requestStop(broker: ServiceBroker): void {
	broker.localBus.emit(STOP_REQUESTED);
}

export function onStopRequested(broker: ServiceBroker, listener: () => void): void {
	broker.localBus.on(STOP_REQUESTED, listener);
}
