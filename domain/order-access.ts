/**
 * Who may see which orders once authentication is on: a user their own, an
 * operator everyone's. With authentication off there is no caller and every
 * request is trusted, as before.
 */

export interface Caller {
	/** null for an operator token that names no user (a back-office client). */
	userId: number | null;
	operator: boolean;
	/** The token's subject (`sub`), when it has one: who an audit names. */
	subject?: string;
}

/** May `caller` read or act on an order of `ownerId`? */
export const mayAccess = (caller: Caller | null | undefined, ownerId: number): boolean => !caller || caller.operator || caller.userId === ownerId;

/**
 * The user whose orders a list shows: the requested one, or for a user the
 * token's own ("forbidden" when they ask for somebody else's).
 */
export function listedUser(caller: Caller | null | undefined, requested: number | undefined): number | undefined | "forbidden" {
	if (!caller || caller.operator) return requested;
	if (requested !== undefined && requested !== caller.userId) return "forbidden";
	return caller.userId ?? "forbidden";
}
