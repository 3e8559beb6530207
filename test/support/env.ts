/** Jest setupFiles: runs in each test file's process before its imports. */
import { randomUUID } from "node:crypto";
import { applyTestEnv } from "./test-env";

applyTestEnv();
// Each test file is its own Moleculer cluster and its own consumer groups, so parallel
// files never call each other's nodes nor share a group across different topics.
const run = randomUUID().slice(0, 8);
process.env.NAMESPACE = `test-${run}`;
process.env.RESERVE_GROUP = `test-${run}-reserve`;
process.env.PAYMENT_GROUP = `test-${run}-payment`;
