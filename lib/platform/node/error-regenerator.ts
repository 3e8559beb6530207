/**
 * Errors cross the transporter as plain objects; Moleculer rebuilds its own
 * classes by name, and ours (domain/errors/catalog.ts) would arrive as plain
 * errors. This regenerator rebuilds them by their `type`, so the gateways'
 * `instanceof` holds on whichever node the error was thrown.
 */
import { Errors } from "moleculer";
import { ERROR_CATALOG } from "../../../domain/errors/catalog";

export class CatalogRegenerator extends Errors.Regenerator {
	override restoreCustomError(plain: Errors.PlainMoleculerError): Error {
		const cls = typeof plain.type === "string" ? ERROR_CATALOG.get(plain.type) : undefined;
		// undefined hands the error on to Moleculer's own classes (its typings say Error, its code checks for none).
		return cls ? new cls(plain.message, plain.data) : (undefined as unknown as Error);
	}
}
