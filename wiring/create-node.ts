/**
 * Creates a broker node and the services this node runs (SERVICES). Services load
 * from their files and get their settings from the node's settings middleware
 * (moleculer.config.ts), as under moleculer-runner: one wiring for every node.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ServiceBroker, type BrokerOptions } from "moleculer";
import { nodeOptions } from "../moleculer.config";
import type { Config, ServiceName } from "../lib/platform/config/config";

const servicesDir = resolve(__dirname, "..", "services");

export function serviceFile(name: ServiceName): string {
	const base = join(servicesDir, `${name}.service`);
	return [".ts", ".js"].map((ext) => base + ext).find(existsSync) ?? `${base}.ts`;
}

/** Loaded on demand: a node (or the REPL) pays only for the services it runs. */
export function loadServices(broker: ServiceBroker, services: readonly ServiceName[]): ServiceBroker {
	for (const name of services) broker.loadService(serviceFile(name));
	return broker;
}

/** `overrides` replace broker options, except middlewares: those run after the node's own (a test's must not drop the settings). */
export function createNode(cfg: Config, services: readonly ServiceName[] = cfg.services, overrides: BrokerOptions = {}): ServiceBroker {
	const node = nodeOptions(cfg);
	const middlewares = [...(node.middlewares ?? []), ...(overrides.middlewares ?? [])];
	return loadServices(new ServiceBroker({ ...node, ...overrides, middlewares }), services);
}
