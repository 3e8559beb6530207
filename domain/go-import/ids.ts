/** Go ids are bigint; this service's ids travel as JSON numbers, so only safe integers are taken. */
export function toSafeId(text: string): number | null {
	if (!/^[1-9][0-9]{0,15}$/.test(text)) return null;
	const id = Number(text);
	return Number.isSafeInteger(id) ? id : null;
}

/** The largest of the Go order ids clients can read (refused orders included: the peers know their ids too); null when none is. */
export function largestSafeId(ids: readonly string[]): number | null {
	const safe = ids.map(toSafeId).filter((id): id is number => id !== null);
	return safe.length > 0 ? Math.max(...safe) : null;
}
