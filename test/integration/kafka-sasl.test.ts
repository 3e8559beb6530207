/**
 * KAFKA_SASL_*: a private broker (other ports; the shared one is never touched)
 * whose client listener wants SASL PLAIN. The service's Kafka client with the
 * configured credentials creates a topic and produces to it; the start-up check
 * refuses a wrong password at once, in one line without the secret.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalKafka, type BrokerSite, type LocalKafka } from "../../dev/kafka-local";
import type { KafkaSecurity } from "../../lib/platform/config/config";
import { createKafka, ensureTopics } from "../../lib/platform/clients/kafka";
import { checkKafka, DependencyError, SINGLE_ATTEMPT } from "../../lib/platform/startup/preflight";
import { freePort } from "../../dev/cluster/ports";

jest.setTimeout(180_000);

const PASSWORD = "kafka-Sasl-3c9e1f7a2b";
const WRONG = "kafka-Wrong-8d2a6b4c1e";
const sasl = (password: string): KafkaSecurity => ({ sasl: { mechanism: "plain", username: "orders", password } });

let site: BrokerSite;
let broker: LocalKafka | undefined;

beforeAll(async () => {
	const jaas = `org.apache.kafka.common.security.plain.PlainLoginModule required username="orders" password="${PASSWORD}" user_orders="${PASSWORD}";`;
	site = {
		broker: `127.0.0.1:${await freePort()}`,
		controller: `127.0.0.1:${await freePort()}`,
		home: mkdtempSync(join(tmpdir(), "security-kafka-sasl-")),
		// The client (and inter-broker) listener speaks SASL_PLAINTEXT; the controller stays internal.
		properties: [
			"listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:SASL_PLAINTEXT",
			"sasl.enabled.mechanisms=PLAIN",
			"sasl.mechanism.inter.broker.protocol=PLAIN",
			`listener.name.plaintext.plain.sasl.jaas.config=${jaas}`,
		],
	};
	broker = await startLocalKafka(site);
});

afterAll(async () => {
	await broker?.stop();
	rmSync(site.home, { recursive: true, force: true });
});

it("the service's client with the configured credentials creates topics and produces", async () => {
	const kafka = createKafka([site.broker], "sasl-test", 2, sasl(PASSWORD));
	const topic = `t-${randomUUID()}`;
	await ensureTopics(kafka, [topic], 1);
	const producer = kafka.producer();
	await producer.connect();
	try {
		const [sent] = await producer.send({ topic, messages: [{ key: "1", value: "{}" }] });
		expect(sent.errorCode).toBe(0);
	} finally {
		await producer.disconnect();
	}
	await expect(checkKafka([site.broker], SINGLE_ATTEMPT, false, sasl(PASSWORD))).resolves.toBeUndefined();
});

it.each<[string, KafkaSecurity]>([
	["a wrong password", sasl(WRONG)],
	["no credentials", {}],
])("%s: the start-up check fails with one line naming the settings, without the secret", async (_name, security) => {
	let error: unknown;
	try {
		await checkKafka([site.broker], { windowMs: 5_000, refusedWindowMs: 0, attemptMs: 4_000 }, false, security);
	} catch (err) {
		error = err;
	}
	expect(error).toBeInstanceOf(DependencyError);
	const message = (error as Error).message;
	expect(message).toMatch(new RegExp(`^Kafka at ${site.broker} is not usable`));
	expect(message).not.toContain("\n");
	expect(message).not.toContain(WRONG);
	expect(message).not.toContain(PASSWORD);
	if (security.sasl) expect(message).toMatch(/check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD$/);
});
