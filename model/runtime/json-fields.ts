// A small typed reader for untrusted JSON (seed.json, scheduler_config.json, generation_config.json). Each getter
// names the full field path and the expected type in its error, e.g.
//   seed.json: field "image.size" must be an array of 2 positive integers, got [64]
// so a broken package is fixed by reading one line.

import { SeedError, type SeedErrorCode } from "./errors";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class JsonFields {
  constructor(
    private readonly obj: { [key: string]: Json },
    private readonly path: string,
    private readonly file: string,
    private readonly code: SeedErrorCode = "manifest",
  ) {}

  static root(value: unknown, file: string, code: SeedErrorCode = "manifest"): JsonFields {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new SeedError(code, `${file}: the top level must be a JSON object, got ${describe(value)}`);
    }
    return new JsonFields(value as { [key: string]: Json }, "", file, code);
  }

  fieldPath(key: string): string {
    return this.path === "" ? key : `${this.path}.${key}`;
  }

  fail(key: string, expected: string, got: unknown): never {
    throw new SeedError(
      this.code,
      `${this.file}: field "${this.fieldPath(key)}" must be ${expected}, got ${describe(got)}`,
    );
  }

  has(key: string): boolean {
    return Object.hasOwn(this.obj, key) && this.obj[key] !== undefined;
  }

  raw(key: string): Json | undefined {
    return this.has(key) ? this.obj[key] : undefined;
  }

  keys(): string[] {
    return Object.keys(this.obj);
  }

  object(key: string): JsonFields {
    const v = this.obj[key];
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(key, "an object", v);
    return new JsonFields(v, this.fieldPath(key), this.file, this.code);
  }

  string(key: string, allowed?: readonly string[]): string {
    const v = this.obj[key];
    if (typeof v !== "string") this.fail(key, allowed ? `one of ${JSON.stringify(allowed)}` : "a string", v);
    if (allowed && !allowed.includes(v)) this.fail(key, `one of ${JSON.stringify(allowed)}`, v);
    return v;
  }

  optString(key: string, fallback: string): string {
    return this.has(key) ? this.string(key) : fallback;
  }

  boolean(key: string): boolean {
    const v = this.obj[key];
    if (typeof v !== "boolean") this.fail(key, "true or false", v);
    return v;
  }

  optBoolean(key: string, fallback: boolean): boolean {
    return this.has(key) && this.obj[key] !== null ? this.boolean(key) : fallback;
  }

  number(key: string, opts: { integer?: boolean; min?: number; max?: number } = {}): number {
    const v = this.obj[key];
    const what = `${opts.integer ? "an integer" : "a number"}${rangeText(opts)}`;
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(key, what, v);
    if (opts.integer && !Number.isInteger(v)) this.fail(key, what, v);
    if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) this.fail(key, what, v);
    return v;
  }

  optNumber(key: string, fallback: number, opts: { integer?: boolean; min?: number; max?: number } = {}): number {
    return this.has(key) && this.obj[key] !== null ? this.number(key, opts) : fallback;
  }

  numbers(
    key: string,
    length: number | undefined,
    opts: { integer?: boolean; min?: number; max?: number } = {},
  ): number[] {
    const v = this.obj[key];
    const what = `an array of ${length ?? "any number of"} ${opts.integer ? "integers" : "numbers"}${rangeText(opts)}`;
    if (!Array.isArray(v) || (length !== undefined && v.length !== length)) this.fail(key, what, v);
    for (const x of v) {
      if (typeof x !== "number" || !Number.isFinite(x)) this.fail(key, what, v);
      if (opts.integer && !Number.isInteger(x)) this.fail(key, what, v);
      if ((opts.min !== undefined && x < opts.min) || (opts.max !== undefined && x > opts.max)) this.fail(key, what, v);
    }
    return v as number[];
  }

  strings(key: string): string[] {
    const v = this.obj[key];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) this.fail(key, "an array of strings", v);
    return v as string[];
  }

  objects(key: string): JsonFields[] {
    const v = this.obj[key];
    if (!Array.isArray(v)) this.fail(key, "an array of objects", v);
    return v.map((item, i) => {
      if (typeof item !== "object" || item === null || Array.isArray(item))
        this.fail(`${key}[${i}]`, "an object", item);
      return new JsonFields(item, `${this.fieldPath(key)}[${i}]`, this.file, this.code);
    });
  }
}

function rangeText(opts: { min?: number; max?: number }): string {
  if (opts.min !== undefined && opts.max !== undefined) return ` in [${opts.min}, ${opts.max}]`;
  if (opts.min !== undefined) return ` >= ${opts.min}`;
  if (opts.max !== undefined) return ` <= ${opts.max}`;
  return "";
}

/** A short rendering of a bad value for an error message. */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing (the field is missing)";
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
