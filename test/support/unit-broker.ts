/**
 * An in-memory Moleculer broker for a service's unit test: no transporter, no
 * cacher unless asked, no logs; the service under test and its peers (small
 * mock services) started on it.
 */
import { Errors, ServiceBroker, type BrokerOptions, type ServiceSchema } from "moleculer";

export async function startUnitBroker(schemas: object[], options: BrokerOptions = {}): Promise<ServiceBroker> {
	// A service waiting for a peer looks again every 10 ms, not every second.
	const broker = new ServiceBroker({ logger: false, dependencyInterval: 10, ...options });
	for (const schema of schemas) broker.createService(schema as ServiceSchema);
	await broker.start();
	return broker;
}

/** The error a call failed with (fails the test if it succeeded). */
export async function callFailure(call: Promise<unknown>): Promise<Errors.MoleculerError> {
	try {
		await call;
	} catch (err) {
		return err as Errors.MoleculerError;
	}
	throw new Error("the call succeeded");
}
