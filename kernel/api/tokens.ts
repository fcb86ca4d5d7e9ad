// Tokens: an immutable list of visual-token ids in causal order (N of them, or a prefix of k), with the image and
// Q-Former attention maps they came from when known. Edits return new values; rendering is the token strip.

import type { TokenStripInput } from "../display/token-strip";
import { tokenStripBundle } from "../display/token-strip";
import type { MimeBundle } from "../protocol/mime";
import type { ChipAtlas } from "../protocol/payloads";
import type { SeedImage, Tokens } from "./seed";
import { checkIds, checkInt, describe, SeedApiError } from "./validate";

export interface TokensInit {
  ids: readonly number[];
  numTokens: number;
  codebookSize: number;
  source?: SeedImage;
  /** [ids.length][Gh*Gw] */
  attention?: readonly (readonly number[])[];
  patchGrid?: readonly [number, number];
  label?: string;
  /** The session's codebook atlas, if one is built by the time the strip renders (chips link to their entries). */
  atlas?: AtlasLookup;
}

/** What the token strip asks the session's atlas: its reference count and each code's summary; undefined: none built. */
export type AtlasLookup = () => { referenceCount: number; chip(code: number): ChipAtlas } | undefined;

export class TokensImpl implements Tokens {
  readonly ids: readonly number[];
  readonly numTokens: number;
  readonly codebookSize: number;
  readonly source: SeedImage | undefined;
  readonly attention: readonly (readonly number[])[] | undefined;
  readonly patchGrid: readonly [number, number] | undefined;
  readonly label: string | undefined;
  readonly #atlas: AtlasLookup | undefined;

  constructor(init: TokensInit) {
    this.#atlas = init.atlas;
    this.ids = Object.freeze(checkIds("Tokens", "ids", [...init.ids], init.numTokens, init.codebookSize, true));
    this.numTokens = init.numTokens;
    this.codebookSize = init.codebookSize;
    this.source = init.source;
    if (init.attention && init.attention.length !== this.ids.length) {
      throw new SeedApiError(
        `Tokens: ${init.attention.length} attention maps for ${this.ids.length} tokens; expected one per token`,
      );
    }
    this.attention = init.attention ? Object.freeze(init.attention.map((row) => Object.freeze([...row]))) : undefined;
    this.patchGrid = init.patchGrid ? Object.freeze([init.patchGrid[0], init.patchGrid[1]] as const) : undefined;
    this.label = init.label;
    Object.freeze(this);
  }

  get length(): number {
    return this.ids.length;
  }

  get isPrefix(): boolean {
    return this.ids.length < this.numTokens;
  }

  at(i: number): number {
    checkInt("tokens.at", "position", i, 0, this.length - 1);
    return this.ids[i]!;
  }

  with(i: number, id: number): Tokens {
    checkInt("tokens.with", "position", i, 0, this.length - 1);
    checkInt("tokens.with", "id", id, 0, this.codebookSize - 1);
    const ids = [...this.ids];
    ids[i] = id;
    return new TokensImpl({
      ids,
      numTokens: this.numTokens,
      codebookSize: this.codebookSize,
      label: this.label ? `${this.label}, #${i}=${id}` : `#${i}=${id}`,
      ...(this.#atlas ? { atlas: this.#atlas } : {}),
    });
  }

  prefix(k: number): Tokens {
    checkInt("tokens.prefix", "k", k, 1, this.length);
    const init: TokensInit = {
      ids: this.ids.slice(0, k),
      numTokens: this.numTokens,
      codebookSize: this.codebookSize,
      label: `${this.label ?? "tokens"}, first ${k}`,
    };
    if (this.source) init.source = this.source;
    if (this.attention) init.attention = this.attention.slice(0, k);
    if (this.patchGrid) init.patchGrid = this.patchGrid;
    if (this.#atlas) init.atlas = this.#atlas;
    return new TokensImpl(init);
  }

  equals(other: Tokens): boolean {
    assertTokens("tokens.equals", "other", other);
    return other.length === this.length && other.ids.every((id, i) => id === this.ids[i]);
  }

  diff(other: Tokens): number[] {
    assertTokens("tokens.diff", "other", other);
    if (other.length !== this.length) {
      throw new SeedApiError(
        `tokens.diff: both must have the same length; this has ${this.length} tokens, other has ${other.length}`,
      );
    }
    return this.ids.flatMap((id, i) => (id === other.ids[i] ? [] : [i]));
  }

  /** The token strip's input (internal). */
  stripInput(): TokenStripInput {
    const input: TokenStripInput = { ids: this.ids, numTokens: this.numTokens, codebookSize: this.codebookSize };
    if (this.source) input.source = { png: this.source.png, label: this.source.label };
    if (this.attention && this.patchGrid) input.attention = { grid: this.patchGrid, maps: this.attention };
    if (this.label !== undefined) input.label = this.label;
    const atlas = this.#atlas?.();
    if (atlas) input.atlas = { referenceCount: atlas.referenceCount, chips: this.ids.map((id) => atlas.chip(id)) };
    return input;
  }

  toMimeBundle(): MimeBundle {
    return tokenStripBundle(this.stripInput());
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Tokens(${this.length}${this.isPrefix ? ` of ${this.numTokens}` : ""}) [${this.ids.join(", ")}]`;
  }
}

/** Checks that `value` is a Tokens object made by this API. */
export function assertTokens(call: string, name: string, value: unknown): asserts value is TokensImpl {
  if (!(value instanceof TokensImpl)) {
    throw new SeedApiError(
      `${call}: ${name} must be Tokens (from seed.tokenize or seed.tokens), got ${describe(value)}`,
    );
  }
}
