/**
 * The console's and the overview's rule: with authentication on only an
 * operator sees them; with it off (no caller) everybody does, as the REST API.
 */
import type { Caller } from "./order-access";

export const isOperator = (caller: Caller | null | undefined): boolean => !caller || caller.operator;

/** What a caller who is not an operator is told by the console's pages and reads. */
export const CONSOLE_NEEDS_OPERATOR = "The console needs a token with the orders:operator scope";
