/**
 * An in-memory Moleculer broker for a service's unit test: no transporter, no
 * cacher unless asked, no logs; the service under test and its peers (small
 * mock services) started on it.
 */
import { Errors, ServiceBroker, type BrokerOptions, type Context, type ServiceSchema } from "moleculer";

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

/** The fields a ValidationError names. */
export const failedFields = (err: Errors.MoleculerError): string[] => ((err.data ?? []) as { field?: string }[]).map((d) => d.field ?? "");

export interface RecordedCall {
	action: string;
	params: Record<string, unknown>;
	meta: Record<string, unknown>;
}

/** Actions of a mocked peer that remember how they were called (in `calls`, newest last) and answer with `answer`. */
export function callRecorder() {
	const calls: RecordedCall[] = [];
	const record = (action: string, answer: (params: Record<string, unknown>) => unknown) => (ctx: Context<Record<string, unknown>, Record<string, unknown>>) => {
		calls.push({ action, params: ctx.params, meta: { ...ctx.meta } });
		return answer(ctx.params);
	};
	return { calls, record };
}
