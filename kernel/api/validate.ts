// Argument checks for the `seed` API. Every public call validates at the boundary and throws a SeedApiError that
// names the call, the argument, what it got and what it expects, so a student sees the mistake in their own terms.

import { inspect } from "node:util";

/** A bad argument to a `seed` call (wrong type, out of range, wrong count, missing file...). */
export class SeedApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SeedApiError";
  }
}

/** Short description of a value for error messages: `the string "abc"`, `the number 3.5`, `an array of 31`. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.constructor.name} of ${value.length} bytes`;
  if (typeof value === "string") return `the string ${inspect(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"})`;
  return `${typeof value} ${String(value)}`;
}

/** Checks an integer in [min, max]. */
export function checkInt(call: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new SeedApiError(`${call}: ${name} must be an integer in ${min}..${max}, got ${describe(value)}`);
  }
  if (value < min || value > max) throw new SeedApiError(`${call}: ${name} must be in ${min}..${max}, got ${value}`);
  return value;
}

/** Checks a finite number in [min, max]. */
export function checkNumber(call: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new SeedApiError(`${call}: ${name} must be a number in ${min}..${max}, got ${describe(value)}`);
  }
  if (value < min || value > max) throw new SeedApiError(`${call}: ${name} must be in ${min}..${max}, got ${value}`);
  return value;
}

/** Checks a boolean. */
export function checkBool(call: string, name: string, value: unknown): boolean {
  if (typeof value !== "boolean")
    throw new SeedApiError(`${call}: ${name} must be true or false, got ${describe(value)}`);
  return value;
}

/** Checks an options object: undefined or a plain object whose keys are all known (catches typos like `step`). */
export function checkOptions<T extends object>(
  call: string,
  value: unknown,
  known: readonly (keyof T & string)[],
): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SeedApiError(`${call}: options must be an object like { ${known.join(", ")} }, got ${describe(value)}`);
  }
  const unknown = Object.keys(value).filter((k) => !(known as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new SeedApiError(
      `${call}: unknown option${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; expected some of: ${known.join(", ")}`,
    );
  }
  return value as Partial<T>;
}

/** Checks a list of token ids: an array of N (or 1..N when a prefix is allowed) integers in 0..K-1. */
export function checkIds(
  call: string,
  name: string,
  value: unknown,
  numTokens: number,
  codebookSize: number,
  allowPrefix: boolean,
): number[] {
  if (!Array.isArray(value)) {
    throw new SeedApiError(
      `${call}: ${name} must be an array of ${numTokens} token ids (integers in 0..${codebookSize - 1}), got ${describe(value)}`,
    );
  }
  const ok = allowPrefix ? value.length >= 1 && value.length <= numTokens : value.length === numTokens;
  if (!ok) {
    const want = allowPrefix ? `1..${numTokens} ids (a prefix) or exactly ${numTokens}` : `exactly ${numTokens} ids`;
    throw new SeedApiError(`${call}: ${name} has ${value.length} ids; expected ${want}`);
  }
  value.forEach((id: unknown, i) => {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= codebookSize) {
      throw new SeedApiError(
        `${call}: ${name}[${i}] is ${describe(id)}; token ids are integers in 0..${codebookSize - 1} (codebook size ${codebookSize})`,
      );
    }
  });
  return [...(value as number[])];
}

/** An error for an interrupted call; the kernel reports it like a KeyboardInterrupt. */
export function interrupted(call: string): Error {
  const err = new Error(`${call} was interrupted`);
  err.name = "AbortError";
  return err;
}

/** Throws `interrupted(call)` when the signal has fired. */
export function checkSignal(call: string, signal: AbortSignal): void {
  if (signal.aborted) throw interrupted(call);
}
