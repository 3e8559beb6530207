/**
 * What other capabilities may use of the state store: applying a batch inside
 * their own transaction (a dead letter's redrive).
 */
export { applyBatch } from "./state-store";
