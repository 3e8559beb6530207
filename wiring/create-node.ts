/** Creates a broker node and the services this node runs (SERVICES), each with its settings. */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ServiceBroker, type BrokerOptions, type ServiceSchema } from "moleculer";
import { brokerOptions } from "../moleculer.config";
import type { Config, ServiceName } from "../lib/platform/config/config";
import { serviceSettings } from "./service-settings";

const servicesDir = resolve(__dirname, "..", "services");

export function serviceFile(name: ServiceName): string {
	const base = join(servicesDir, `${name}.service`);
	return [".ts", ".js"].map((ext) => base + ext).find(existsSync) ?? `${base}.ts`;
}

/** Loaded on demand: a node (or the REPL) pays only for the services it runs. */
function schemaOf(name: ServiceName): ServiceSchema<object> {
	// eslint-disable-next-line @typescript-eslint/no-require-imports -- the file is chosen at run time
	const loaded = require(serviceFile(name)) as { default: ServiceSchema<object> };
	return loaded.default;
}

export function createNode(cfg: Config, services: readonly ServiceName[] = cfg.services, overrides: BrokerOptions = {}): ServiceBroker {
	const broker = new ServiceBroker({ ...brokerOptions(cfg), ...overrides });
	const settings = serviceSettings(cfg);
	for (const name of services) {
		const schema = schemaOf(name);
		// The node's settings go over the schema's own (Moleculer 0.15's createService has no schemaMods).
		broker.createService({ ...schema, settings: { ...schema.settings, ...settings[name] } });
	}
	return broker;
}
