/** The services a node can run (SERVICES picks some of them). */
export const ALL_SERVICES = [
	"api-gateway",
	"orders",
	"state",
	"reserve-listener",
	"payment-listener",
	"outbox-relay",
	"grpc-gateway",
] as const;
export type ServiceName = (typeof ALL_SERVICES)[number];
