/**
 * A database lost in the middle of a transaction must read as "unavailable"
 * (503), whatever the driver says next: found by the chaos run, where a
 * PostgreSQL cut during a create once answered a REST 500. Real PostgreSQL,
 * reached through a TCP proxy the test cuts.
 */
import { Sequelize } from "sequelize";
import { startTcpProxy, type TcpProxy } from "../../dev/cluster/tcp-proxy";
import { isDatabaseUnavailable } from "../../lib/platform/support/database-errors";
import { TEST_DATABASE_URL } from "../support/test-env";

let proxy: TcpProxy;
let sequelize: Sequelize;

beforeAll(async () => {
	const target = new URL(TEST_DATABASE_URL);
	proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
	const url = new URL(TEST_DATABASE_URL);
	url.hostname = "127.0.0.1";
	url.port = String(proxy.port);
	sequelize = new Sequelize(url.toString(), { logging: false, pool: { max: 1 } });
});

afterAll(async () => {
	await sequelize.close().catch(() => undefined);
	await proxy.close();
});

const failure = (work: Promise<unknown>) => work.then(() => new Error("it succeeded"), (err: unknown) => err);

test("every statement of a transaction whose connection was cut, COMMIT included, fails as 'database unavailable'", async () => {
	const transaction = await sequelize.transaction();
	await sequelize.query("SELECT 1", { transaction });
	proxy.cut();
	const errors = [
		await failure(sequelize.query("SELECT 1", { transaction })),
		// The client is now broken: pg answers "Client has encountered a connection error and is not queryable".
		await failure(sequelize.query("SELECT 1", { transaction })),
		await failure(transaction.commit()),
	];
	proxy.restore();
	const messages = errors.map((e) => (e as Error).message);
	expect(messages.some((m) => /not queryable/.test(m))).toBe(true);
	expect(errors.filter((e) => !isDatabaseUnavailable(e)).map((e) => (e as Error).message)).toEqual([]);
});
