/**
 * Credentials and TLS: a node runs against a PostgreSQL that takes only TLS
 * with a SCRAM password (sslmode in DATABASE_URL reaches both pg and Sequelize)
 * and a Redis ACL user with a password. A wrong password stops start-up with
 * one line naming the setting, never the secret; and no secret shows in the
 * node's output, /api/health or /metrics.
 */
import { nodeProcesses, type NodeProcess } from "../../dev/cluster/processes";
import { freePort } from "../../dev/cluster/ports";
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from "../support/private-servers";

const DB_PASSWORD = "pg-Pass-7f3a91c2e4";
const REDIS_PASSWORD = "redis-Default-5b8e2d71";
const ACL_PASSWORD = "redis-Acl-a9c4e6f013";
const WRONG = "Wrong-Pass-0d1e2f3a4b";
const SECRETS = [DB_PASSWORD, REDIS_PASSWORD, ACL_PASSWORD, WRONG, encodeURIComponent(WRONG)];

const nodes = nodeProcesses();
let postgres: PrivatePostgres;
let redis: PrivateRedis;

beforeAll(async () => {
	postgres = await startPrivatePostgres("orders", DB_PASSWORD);
	redis = await startPrivateRedis(REDIS_PASSWORD, "orders", ACL_PASSWORD);
}, 120_000);

afterAll(async () => {
	await nodes.stopAll();
	postgres?.stop();
	await redis?.stop();
});

const expectNoSecret = (text: string) => {
	for (const secret of SECRETS) expect(text).not.toContain(secret);
};

/** A node that must stop at start-up: its exit code and its stderr/stdout. */
async function failedStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
	const node = await nodes.spawn({ name: "bad-credentials", services: ["api-gateway", "orders"], env: { DATABASE_URL: postgres.url(DB_PASSWORD), REDIS_URL: redis.url(ACL_PASSWORD, "orders"), ...env } });
	const exit = await node.exited;
	return { code: exit.code, output: node.output() };
}

describe("with the right credentials", () => {
	let node: NodeProcess;
	let metricsPort: number;

	beforeAll(async () => {
		metricsPort = await freePort();
		node = await nodes.start({
			name: "credentials",
			services: ["api-gateway", "orders"],
			env: { DATABASE_URL: postgres.url(DB_PASSWORD), REDIS_URL: redis.url(ACL_PASSWORD, "orders"), METRICS: "on", METRICS_PORT: String(metricsPort) },
		});
	}, 150_000);

	it("creates and reads an order through TLS PostgreSQL and the Redis ACL user", async () => {
		const base = `http://127.0.0.1:${node.port}/api`;
		const created = await fetch(`${base}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user_id: 5, order_products: [{ product_id: 1, count: 1 }] }) });
		expect(created.status).toBe(201);
		const { order_id } = (await created.json()) as { order_id: number };
		expect((await fetch(`${base}/orders/${order_id}`)).status).toBe(200);
	});

	it("shows no secret in /api/health, /metrics or its output", async () => {
		const health = await fetch(`http://127.0.0.1:${node.port}/api/health`);
		expect(health.status).toBe(200);
		expectNoSecret(await health.text());
		expectNoSecret(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
		expectNoSecret(node.output());
	});
});

describe("a wrong password stops start-up with one line naming the setting, without the secret", () => {
	it.each<[string, () => Record<string, string>, RegExp]>([
		["PostgreSQL", () => ({ DATABASE_URL: postgres.url(WRONG) }), /^orders: cannot start: DependencyError: PostgreSQL at postgres:\/\/orders:\*\*\*\*@127\.0\.0\.1:\d+\/orders\?sslmode=no-verify is not usable \(password authentication failed for user "orders"\); check the user, password and database in DATABASE_URL$/m],
		["Redis ACL user", () => ({ REDIS_URL: redis.url(WRONG, "orders") }), /^orders: cannot start: DependencyError: Redis at redis:\/\/orders:\*\*\*\*@127\.0\.0\.1:\d+ is not usable \(WRONGPASS.*\); check the user and password in REDIS_URL$/m],
		["Redis default user", () => ({ REDIS_URL: redis.url(WRONG) }), /^orders: cannot start: DependencyError: Redis at redis:\/\/:\*\*\*\*@127\.0\.0\.1:\d+ is not usable \(WRONGPASS.*\); check the user and password in REDIS_URL$/m],
	])("%s", async (_name, env, line) => {
		const { code, output } = await failedStart(env());
		expect(code).toBe(1);
		expect(output).toMatch(line);
		expect(output.trim().split("\n")).toHaveLength(1);
		expectNoSecret(output);
	});

	it("PostgreSQL without TLS (sslmode=disable) is refused by a server that takes only TLS", async () => {
		const { code, output } = await failedStart({ DATABASE_URL: postgres.url(DB_PASSWORD).replace("sslmode=no-verify", "sslmode=disable") });
		expect(code).toBe(1);
		expect(output).toMatch(/^orders: cannot start: DependencyError: PostgreSQL at .* is not usable \(.*no encryption.*\); .*DATABASE_URL$/m);
		expectNoSecret(output);
	});
});
