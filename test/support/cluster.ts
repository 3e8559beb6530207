/**
 * In-process nodes for integration tests. Set a test file's environment (topics,
 * ports) before the first node starts: services read their settings when loaded.
 */
import type { ServiceBroker } from "moleculer";
import { createNode } from "../../lib/platform/broker";
import { loadConfig, type ServiceName } from "../../lib/platform/config";

export async function startNode(services: ServiceName[], env: Record<string, string> = {}): Promise<ServiceBroker> {
	Object.assign(process.env, env);
	const broker = createNode(loadConfig(), services);
	await broker.start();
	return broker;
}
