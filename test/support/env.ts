/** Jest setupFiles: runs in each test file's process before its imports. */
import { randomUUID } from "node:crypto";
import { applyTestEnv } from "./test-env";

applyTestEnv();
// Each test file is its own Moleculer cluster, so parallel files never call each other's nodes.
process.env.NAMESPACE = `test-${randomUUID().slice(0, 8)}`;
