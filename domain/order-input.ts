/**
 * The input rules of the REST contract (docs/rest-api.md) as fastest-validator schemas (Moleculer's
 * validator), so the orders service declares them as its `params`. A broken
 * rule becomes a 422 whose data names the field and the rule.
 */
import type { CheckerFunctionV2, ValidationRuleObject } from "fastest-validator";
import { ORDER_STATES, type OrderState } from "./order-state";

export const MAX_PRODUCTS = 100;
export const MAX_DESCRIPTION = 1000;
export const MAX_COUNT = 2_147_483_647; // order_products.count is an int32
export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 50;

/** An error a custom check reports (fastest-validator's custom function, as Moleculer 0.15 calls it). */
type RuleError = { type: string; field: string; message: string; actual: unknown };

/**
 * A custom check in fastest-validator's form: it pushes what it finds to
 * `errors` (the message included) and hands the value on unchanged.
 */
export const customCheck =
	(check: (value: unknown, path: string) => RuleError | undefined): CheckerFunctionV2 =>
	(value, errors, _schema, path) => {
		const error = check(value, path);
		if (error) errors.push(error);
		return value;
	};

/** 64-bit ids, but only those JSON (and JavaScript) can carry exactly. */
const positiveId = (): ValidationRuleObject => ({ type: "number", integer: true, positive: true, max: Number.MAX_SAFE_INTEGER });

/**
 * A user id is any non-zero integer JSON carries exactly: the Telegram bot
 * sends the chat id, negative for a group chat. 0 is proto3's "unset".
 */
const userId = (): ValidationRuleObject => ({ type: "number", integer: true, min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, notEqual: 0 });

/**
 * A positive integer given as a number or as the canonical decimal text of a
 * URL (route or query): "0123", "1e3", "1.0" and " 1" are refused, so one id
 * has exactly one spelling (and one cache key). `toPositiveInt` reads it.
 */
export const positiveIdText = (max = Number.MAX_SAFE_INTEGER, optional = false): ValidationRuleObject => ({
	type: "any",
	optional,
	custom: customCheck((value, path) =>
		(optional && value === undefined) || toPositiveInt(value, max) !== null
			? undefined
			: { type: "positiveInteger", field: path, message: `The '${path}' field must be a positive integer of at most ${max}.`, actual: value },
	),
});

/** A user id given as a number or as canonical decimal text (a leading "-", no "+", no "-0"); `toUserId` reads it. */
const userIdText = (): ValidationRuleObject => ({
	type: "any",
	optional: true,
	custom: customCheck((value, path) =>
		value === undefined || toUserId(value) !== null
			? undefined
			: { type: "userId", field: path, message: `The '${path}' field must be a non-zero integer of at most ${Number.MAX_SAFE_INTEGER} either way.`, actual: value },
	),
});

/** The number a userIdText field holds, or null when it breaks the rule. */
export function toUserId(value: unknown): number | null {
	const number = typeof value === "string" && /^-?[1-9][0-9]{0,15}$/.test(value) ? Number(value) : value;
	return typeof number === "number" && Number.isSafeInteger(number) && number !== 0 ? number : null;
}

/** The number a positiveIdText field holds, or null when it breaks the rule. */
export function toPositiveInt(value: unknown, max = Number.MAX_SAFE_INTEGER): number | null {
	const number = typeof value === "string" && /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : value;
	return typeof number === "number" && Number.isInteger(number) && number >= 1 && number <= max ? number : null;
}

const product: ValidationRuleObject = {
	type: "object",
	strict: true,
	props: {
		product_id: positiveId(),
		count: { type: "number", integer: true, positive: true, max: MAX_COUNT },
	},
};

export const createOrderParams = {
	$$strict: true,
	user_id: userId(),
	description: {
		type: "string",
		optional: true,
		// Characters, not UTF-16 units (an emoji is one character, as PostgreSQL counts it);
		// and no NUL, which PostgreSQL text cannot store.
		custom: customCheck((value, path) => {
			if (typeof value !== "string") return undefined;
			if (value.includes("\u0000")) {
				return { type: "stringNoNul", field: path, message: `The '${path}' field must not contain the NUL character.`, actual: value };
			}
			if ([...value].length > MAX_DESCRIPTION) {
				const message = `The '${path}' field length must be less than or equal to ${MAX_DESCRIPTION} characters long.`;
				return { type: "stringMax", field: path, message, actual: value };
			}
			return undefined;
		}),
	},
	order_products: {
		type: "array",
		min: 1,
		max: MAX_PRODUCTS,
		items: product,
		custom: customCheck((value, path) => {
			if (!Array.isArray(value)) return undefined;
			const ids = value.map((item: { product_id?: unknown }) => item?.product_id);
			const repeated = ids.find((id, i) => id !== undefined && ids.indexOf(id) !== i);
			return repeated === undefined
				? undefined
				: { type: "productUnique", field: path, message: `The '${path}' field names product_id ${String(repeated)} more than once.`, actual: repeated };
		}),
	},
} as const;

export const orderIdParams = { $$strict: true, order_id: positiveIdText() } as const;

export const listOrdersParams = {
	$$strict: true,
	user_id: userIdText(),
	limit: positiveIdText(MAX_LIMIT, true),
	cursor: { type: "string", optional: true, max: 200 },
	state: { type: "enum", values: [...ORDER_STATES], optional: true },
} as const;

export interface ProductInput {
	product_id: number;
	count: number;
}

export interface CreateOrderInput {
	user_id: number;
	description?: string;
	order_products: ProductInput[];
}

export interface ListOrdersInput {
	user_id?: number;
	limit?: number;
	cursor?: string;
	state?: OrderState;
}
