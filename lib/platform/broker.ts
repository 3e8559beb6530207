/** Creates a broker node and loads the services this node runs (SERVICES). */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ServiceBroker, type BrokerOptions } from "moleculer";
import { brokerOptions } from "../../moleculer.config";
import type { Config, ServiceName } from "./config";

const servicesDir = resolve(__dirname, "..", "..", "services");

export function serviceFile(name: ServiceName): string {
	const base = join(servicesDir, `${name}.service`);
	return [".ts", ".js"].map((ext) => base + ext).find(existsSync) ?? `${base}.ts`;
}

export function createNode(cfg: Config, services: readonly ServiceName[] = cfg.services, overrides: BrokerOptions = {}): ServiceBroker {
	const broker = new ServiceBroker({ ...brokerOptions(cfg), ...overrides });
	for (const name of services) broker.loadService(serviceFile(name));
	return broker;
}
