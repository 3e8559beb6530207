/**
 * The node's database pool (lib/platform/clients/shared-database.ts): one per
 * node and URL, closed with its last lease only, made afresh for a service
 * that starts again after it closed. No connection is opened here: a pool
 * connects on its first query, and none runs.
 */
import { ServiceBroker } from "moleculer";
import { leaseDatabase, nodeApplicationName } from "../../lib/platform/clients/shared-database";

const URL_A = "postgres://nobody@127.0.0.1:1/a";
const URL_B = "postgres://nobody@127.0.0.1:1/b";
const node = (nodeID: string) => new ServiceBroker({ nodeID, namespace: "unit", logger: false });

it("gives the services of one node one pool per URL, and other nodes their own", async () => {
	const broker = node("n1");
	const leases = [leaseDatabase(broker, URL_A, 4), leaseDatabase(broker, URL_A, 4), leaseDatabase(broker, URL_B, 4), leaseDatabase(node("n2"), URL_A, 4)];
	expect(leases[1].sequelize).toBe(leases[0].sequelize);
	expect(leases[2].sequelize).not.toBe(leases[0].sequelize);
	expect(leases[3].sequelize).not.toBe(leases[0].sequelize);
	expect(leases[0].sequelize.config.pool?.max).toBe(4);
	await Promise.all(leases.map((l) => l.release()));
});

it("closes the pool with its last lease only, and a service starting again gets a new one", async () => {
	const broker = node("n3");
	const orders = leaseDatabase(broker, URL_A, 4);
	const state = leaseDatabase(broker, URL_A, 4);
	const close = jest.spyOn(orders.sequelize, "close");
	await orders.release();
	await orders.release(); // a second release of the same lease gives nothing back twice
	expect(close).not.toHaveBeenCalled();
	const restarted = leaseDatabase(broker, URL_A, 4);
	expect(restarted.sequelize).toBe(state.sequelize);
	await state.release();
	expect(close).not.toHaveBeenCalled();
	await restarted.release();
	expect(close).toHaveBeenCalledTimes(1);
	const again = leaseDatabase(broker, URL_A, 4);
	expect(again.sequelize).not.toBe(orders.sequelize);
	await again.release();
});

it("adds a lease's reserved connections to the shared size while the lease lasts, whoever made the pool", async () => {
	const broker = node("n5");
	const relay = leaseDatabase(broker, URL_A, 0, 3);
	expect(relay.sequelize.config.pool?.max).toBe(3);
	const orders = leaseDatabase(broker, URL_A, 10);
	const maxOf = () => (relay.sequelize.connectionManager as unknown as { pool: { maxSize: number } }).pool.maxSize;
	expect([relay.sequelize.config.pool?.max, maxOf()]).toEqual([13, 13]);
	await relay.release();
	expect([orders.sequelize.config.pool?.max, maxOf()]).toEqual([10, 10]);
	await orders.release();
});

it("names the node's connections after its namespace and node ID, in PostgreSQL's 63 bytes", () => {
	expect(nodeApplicationName(node("n4"))).toBe("unit-n4");
	expect(nodeApplicationName(node("x".repeat(80)))).toHaveLength(63);
});
