/**
 * The opaque cursor of GET /api/orders: the last order_id of a page, so the
 * next page starts strictly below it (newest first). New orders get larger
 * ids, so they never shift a page that is being read.
 */

export const encodeCursor = (lastOrderId: number): string => Buffer.from(JSON.stringify({ before: lastOrderId })).toString("base64url");

/** The order_id to page below, or null when the cursor is not one of ours. */
export function decodeCursor(cursor: string): number | null {
	try {
		const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
		const before = (value as { before?: unknown })?.before;
		return Number.isSafeInteger(before) && (before as number) > 0 ? (before as number) : null;
	} catch {
		return null;
	}
}
