/** Stops the Kafka broker if the set-up started it. */
export default async function globalTeardown(): Promise<void> {
	await globalThis.__infrastructure?.stop();
}
