/**
 * What other capabilities may use of the dead letters: recording them (the
 * listeners) and the shapes the console renders. The rest is the state
 * service's own (services/state.service.ts imports it directly).
 */
export { recordDeadLetters, type DeadLetter, type RedrivenLetter } from "./dead-letter-store";
export type { ListedLetter } from "./dead-letter-api";
