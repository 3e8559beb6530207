/** Creates a broker node and the services this node runs (SERVICES), each with its settings. */
import { ServiceBroker, type BrokerOptions } from "moleculer";
import { brokerOptions } from "../../moleculer.config";
import ApiGatewayService from "../../services/api-gateway.service";
import GrpcGatewayService from "../../services/grpc-gateway.service";
import OrdersService from "../../services/orders.service";
import OutboxRelayService from "../../services/outbox-relay.service";
import PaymentListener from "../../services/payment-listener.service";
import ReserveListener from "../../services/reserve-listener.service";
import StateService from "../../services/state.service";
import type { Config, ServiceName } from "./config";
import { serviceSettings } from "./service-settings";

const SCHEMAS = {
	"api-gateway": ApiGatewayService,
	"grpc-gateway": GrpcGatewayService,
	orders: OrdersService,
	state: StateService,
	"reserve-listener": ReserveListener,
	"payment-listener": PaymentListener,
	"outbox-relay": OutboxRelayService,
} satisfies Record<ServiceName, unknown>;

export function createNode(cfg: Config, services: readonly ServiceName[] = cfg.services, overrides: BrokerOptions = {}): ServiceBroker {
	const broker = new ServiceBroker({ ...brokerOptions(cfg), ...overrides });
	const settings = serviceSettings(cfg);
	for (const name of services) {
		const schema = SCHEMAS[name];
		// The node's settings go over the schema's own (Moleculer 0.15's createService has no schemaMods).
		broker.createService({ ...schema, settings: { ...schema.settings, ...settings[name] } });
	}
	return broker;
}
