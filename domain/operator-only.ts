/**
 * The console's and the overview's rule: with authentication on only an
 * operator sees them; with it off (no caller) everybody does, as the REST API.
 */
import type { Caller } from "./order-access";

export const isOperator = (caller: Caller | null | undefined): boolean => !caller || caller.operator;
