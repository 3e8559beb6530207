/**
 * In-process nodes for integration tests. Set a test file's environment (topics,
 * ports) before a node starts: its services get their settings from the Config
 * read from the environment then.
 */
import type { ServiceBroker } from "moleculer";
import { createNode } from "../../wiring/create-node";
import { loadConfig, type ServiceName } from "../../lib/platform/config/config";

export async function startNode(services: ServiceName[], env: Record<string, string> = {}): Promise<ServiceBroker> {
	Object.assign(process.env, env);
	const broker = createNode(loadConfig(), services);
	await broker.start();
	return broker;
}
