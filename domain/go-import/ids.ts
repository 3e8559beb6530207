/** Go ids are bigint; this service's ids travel as JSON numbers, so only safe integers are taken. */
export function toSafeId(text: string): number | null {
	if (!/^[1-9][0-9]{0,15}$/.test(text)) return null;
	const id = Number(text);
	return Number.isSafeInteger(id) ? id : null;
}
