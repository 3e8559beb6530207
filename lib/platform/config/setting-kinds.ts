/**
 * The kinds of environment settings: each reads and checks one variable and
 * says its rule in words for docs/configuration.md. A bad value throws a
 * ConfigError whose message is the one line start-up prints before it exits.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { redactUrl } from "./redact";

export class ConfigError extends Error {
	override name = "ConfigError";
}

export type Env = Record<string, string | undefined>;

export interface SettingKind<T> {
	/** The rule in words, e.g. "integer 1..65535". */
	rule: string;
	/** The value of `name` in `env`, or `fallback` when it is unset or blank. */
	read(env: Env, name: string, fallback: T): T;
}

const trimmed = (env: Env, name: string): string | undefined => env[name]?.trim() || undefined;

export const text: SettingKind<string> = { rule: "text", read: (env, name, fallback) => trimmed(env, name) ?? fallback };

/** Free text that may stay unset. */
export const optionalText: SettingKind<string | undefined> = { rule: "text", read: (env, name) => trimmed(env, name) };

export function integer(min: number, max: number): SettingKind<number> {
	return {
		rule: `integer ${min}..${max}`,
		read(env, name, fallback) {
			const raw = trimmed(env, name);
			if (!raw) return fallback;
			const value = Number(raw);
			if (!Number.isInteger(value) || value < min || value > max) {
				throw new ConfigError(`${name}="${raw}" is invalid: expected an integer from ${min} to ${max}`);
			}
			return value;
		},
	};
}

/** The URL's password never reaches the message: the error line is printed and logged. */
export function checkUrl(name: string, value: string, protocols: readonly string[]): string {
	let parsed: URL;
	try {
		parsed = new URL(value);
	} catch {
		throw new ConfigError(`${name}="${redactUrl(value)}" is invalid: not a URL`);
	}
	if (!protocols.includes(parsed.protocol)) {
		throw new ConfigError(`${name}="${redactUrl(value)}" is invalid: expected a ${protocols.join(" or ")}// URL`);
	}
	return value;
}

const urlRule = (protocols: readonly string[]) => `${protocols.map((p) => `${p}//`).join(" or ")} URL`;

export function url(protocols: readonly string[]): SettingKind<string> {
	return { rule: urlRule(protocols), read: (env, name, fallback) => checkUrl(name, trimmed(env, name) ?? fallback, protocols) };
}

/** A URL that may stay unset. */
export function optionalUrl(protocols: readonly string[]): SettingKind<string | undefined> {
	return {
		rule: urlRule(protocols),
		read(env, name) {
			const value = trimmed(env, name);
			return value === undefined ? undefined : checkUrl(name, value, protocols);
		},
	};
}

/** One of `allowed`; with `anyCase`, in any letter case ("DEBUG", as the Go service wrote LOG_LEVEL). */
export function oneOf<T extends string>(allowed: readonly T[], anyCase = false): SettingKind<T> {
	const suffix = anyCase ? " (any letter case)" : "";
	return {
		rule: `one of ${allowed.join(", ")}${suffix}`,
		read(env, name, fallback) {
			const raw = trimmed(env, name) ?? fallback;
			const value = anyCase ? raw.toLowerCase() : raw;
			if (!(allowed as readonly string[]).includes(value)) {
				throw new ConfigError(`${name}="${raw}" is invalid: expected one of ${allowed.join(", ")}${suffix}`);
			}
			return value as T;
		},
	};
}

/** One of `allowed`, or unset. */
export function optionalOneOf<T extends string>(allowed: readonly T[]): SettingKind<T | undefined> {
	const kind = oneOf(allowed);
	return { rule: kind.rule, read: (env, name) => (trimmed(env, name) === undefined ? undefined : kind.read(env, name, allowed[0])) };
}

/** A Kafka topic or consumer group name: `what` says which in the error. */
export function kafkaName(what: "topic" | "consumer group"): SettingKind<string> {
	return {
		rule: `Kafka ${what} name: letters, digits, ".", "_", "-"`,
		read(env, name, fallback) {
			const value = trimmed(env, name) ?? fallback;
			if (!/^[A-Za-z0-9._-]{1,200}$/.test(value)) {
				throw new ConfigError(`${name}="${value}" is invalid: a Kafka ${what} name uses letters, digits, ".", "_" and "-"`);
			}
			return value;
		},
	};
}

/** A directory (created on use); a relative path counts from the working directory. */
export const directory: SettingKind<string> = {
	rule: "directory (not an existing file)",
	read(env, name, fallback) {
		const value = resolve(trimmed(env, name) ?? fallback);
		if (existsSync(value) && !statSync(value).isDirectory()) {
			throw new ConfigError(`${name}="${env[name]}" is invalid: ${value} exists and is not a directory`);
		}
		return value;
	},
};

/** A setting that is a secret: never echoed in an error. */
export function secret(minLength: number): SettingKind<string | undefined> {
	return {
		rule: `secret, at least ${minLength} characters`,
		read(env, name) {
			const value = trimmed(env, name);
			if (value !== undefined && value.length < minLength) throw new ConfigError(`${name} is invalid: expected at least ${minLength} characters`);
			return value;
		},
	};
}

/** A password taken exactly as written (spaces count). */
export const password: SettingKind<string | undefined> = { rule: "secret, taken as written", read: (env, name) => env[name] || undefined };

/** A file that must exist (a CA certificate, ...). */
export const existingFile: SettingKind<string | undefined> = {
	rule: "path of an existing file",
	read(env, name) {
		const raw = trimmed(env, name);
		if (!raw) return undefined;
		const value = resolve(raw);
		if (!existsSync(value) || !statSync(value).isFile()) throw new ConfigError(`${name}="${raw}" is invalid: no such file`);
		return value;
	},
};

/** A comma list of `noun`s each checked by `check` (a message, or undefined when good); unset gives the fallback. */
export function commaList<T>(noun: string, rule: string, check: (word: string) => string | undefined, distinct = false): SettingKind<T> {
	return {
		rule,
		read(env, name, fallback) {
			const raw = trimmed(env, name);
			if (!raw) return fallback;
			const list = raw.split(",").map((w) => w.trim()).filter(Boolean);
			for (const word of list) {
				const problem = check(word);
				if (problem) throw new ConfigError(`${name}="${raw}" is invalid: ${problem}`);
			}
			if (list.length === 0) throw new ConfigError(`${name}="${raw}" is invalid: no ${noun} named`);
			return (distinct ? [...new Set(list)] : list) as T;
		},
	};
}
