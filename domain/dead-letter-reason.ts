/** Why a consumed message went to `<topic>.dlq` (the `reason` header and metric label). */
export const DEAD_LETTER_REASONS = [
	"malformed",
	"idempotency_conflict",
	"unknown_order",
	"invalid_transition",
	"out_of_order",
	/** Fails on its own every time it is applied (a value the database refuses, a bug), the database being up. */
	"processing_error",
] as const;

export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];
