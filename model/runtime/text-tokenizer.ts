// The language model's text tokenizer over @huggingface/tokenizers (tokenizer.json in the Hugging Face format).
// Adds what SEED needs on top: BOS by id (not through the post-processor), a decode that keeps image tokens and adds
// no space after added tokens (each run of ordinary ids is decoded on its own), and the image-token <-> code mapping
// read from the manifest.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { SeedError } from "./errors";
import type { LanguageModelSpec } from "./manifest-types";

/** Formats a Python format string such as "<img_{:05d}>" with one integer. */
export function formatImageToken(format: string, code: number): string {
  return format.replace(/\{:(0?)(\d+)d\}/, (_m, zero: string, width: string) =>
    String(code).padStart(Number(width), zero === "0" ? "0" : " "),
  );
}

export interface SpecialIds {
  readonly bos: number;
  readonly eos: number;
  readonly boi: number;
  readonly eoi: number;
  readonly stop: readonly number[];
}

export class TextTokenizer {
  readonly special: SpecialIds;
  readonly imageTokenOffset: number;
  readonly codebookSize: number;
  private readonly tok: Tokenizer;
  private readonly added: Map<number, string>; // added-token id -> content

  constructor(tokenizerJson: unknown, tokenizerConfig: unknown, spec: LanguageModelSpec, codebookSize: number) {
    const cfg = { clean_up_tokenization_spaces: false, ...(tokenizerConfig as object) };
    try {
      this.tok = new Tokenizer(tokenizerJson as object, cfg);
    } catch (e) {
      throw new SeedError(
        "manifest",
        `${spec.tokenizer}: not a tokenizer.json that @huggingface/tokenizers can load: ${(e as Error).message}`,
        { cause: e },
      );
    }
    this.added = new Map([...this.tok.get_added_tokens_decoder()].map(([id, t]) => [id, t.content]));
    this.imageTokenOffset = spec.image_token_offset;
    this.codebookSize = codebookSize;
    const id = (token: string, field: string): number => {
      const v = this.tok.token_to_id(token);
      if (v === undefined)
        throw new SeedError(
          "manifest",
          `${spec.tokenizer}: token "${token}" (seed.json language_model.${field}) is not in the vocabulary`,
        );
      return v;
    };
    this.special = {
      bos: id(spec.bos_token, "bos_token"),
      eos: id(spec.eos_token, "eos_token"),
      boi: id(spec.boi_token, "boi_token"),
      eoi: id(spec.eoi_token, "eoi_token"),
      stop: spec.stop_tokens.map((t, i) => id(t, `stop_tokens[${i}]`)),
    };
    // FORMAT.md: every code's image token sits at offset + code, and no id reaches past the model's vocab_size.
    for (let code = 0; code < codebookSize; code++) {
      const token = formatImageToken(spec.image_token_format, code);
      const got = this.tok.token_to_id(token);
      if (got !== spec.image_token_offset + code) {
        throw new SeedError(
          "manifest",
          `${spec.tokenizer}: image token "${token}" has id ${got ?? "none"}, expected image_token_offset + ${code} = ${spec.image_token_offset + code}`,
        );
      }
    }
    const maxId = Math.max(...this.tok.get_vocab(true).values());
    if (maxId >= spec.vocab_size) {
      throw new SeedError(
        "manifest",
        `${spec.tokenizer}: the vocabulary reaches id ${maxId}, but language_model.vocab_size is ${spec.vocab_size}`,
      );
    }
  }

  static fromPackage(dir: string, spec: LanguageModelSpec, codebookSize: number): TextTokenizer {
    const read = (file: string): unknown => {
      try {
        return JSON.parse(readFileSync(join(dir, file), "utf8"));
      } catch (e) {
        throw new SeedError("manifest", `${file}: could not be read as JSON: ${(e as Error).message}`, { cause: e });
      }
    };
    return new TextTokenizer(read(spec.tokenizer), read(spec.tokenizer_config), spec, codebookSize);
  }

  /** Text -> ids. Image tokens written in the text (e.g. "<img_00012>") map to their ids. */
  encode(text: string, options: { bos?: boolean } = {}): number[] {
    const ids = this.tok.encode(text, { add_special_tokens: false }).ids;
    return options.bos === false ? ids : [this.special.bos, ...ids];
  }

  /**
   * Ids -> text with image and other added tokens kept verbatim. Each run of ordinary ids is decoded on its own, so no
   * space appears after an added token. skipSpecial drops BOS and EOS.
   */
  decode(ids: readonly number[], options: { skipSpecial?: boolean } = {}): string {
    let out = "";
    let run: number[] = [];
    const flush = (): void => {
      if (run.length > 0) out += this.decodeRun(run, false);
      run = [];
    };
    for (const id of ids) {
      const added = this.added.get(id);
      if (added === undefined) {
        run.push(id);
        continue;
      }
      flush();
      if (!(options.skipSpecial && (id === this.special.bos || id === this.special.eos))) out += added;
    }
    flush();
    return out;
  }

  /**
   * Decodes one run of ordinary ids. Workaround: @huggingface/tokenizers' ByteFallback decodes each byte group with
   * `new TextDecoder()`, which drops a U+FEFF at the start of the group (sentencepiece keeps it).
   * So the run is split after each byte group that starts with EF BB BF, the BOM is put back, and the rest is decoded
   * behind a sentinel byte token ("A" = <0x41>) so that the Strip decoder does not eat its leading space.
   */
  private decodeRun(ids: readonly number[], continuation: boolean): string {
    const opts = { skip_special_tokens: false, clean_up_tokenization_spaces: false };
    const sentinel = this.tok.token_to_id("<0x41>");
    const plain = (part: readonly number[]): string => {
      if (!continuation || part.length === 0) return part.length === 0 ? "" : this.tok.decode([...part], opts);
      if (sentinel === undefined) return this.tok.decode([...part], opts);
      return this.tok.decode([sentinel, ...part], opts).slice(1);
    };
    const bom = ["<0xEF>", "<0xBB>", "<0xBF>"];
    for (let i = 0; i + 2 < ids.length; i++) {
      const startsGroup = i === 0 || !/^<0x[0-9A-F]{2}>$/.test(this.tokenOf(ids[i - 1] ?? -1));
      if (startsGroup && bom.every((b, j) => this.tokenOf(ids[i + j] ?? -1) === b)) {
        return `${plain(ids.slice(0, i))}\ufeff${this.decodeRun(ids.slice(i + 3), true)}`;
      }
    }
    return plain(ids);
  }

  /** The token string of one id (for candidate lists), or "<id N>" when the id has none. */
  tokenOf(id: number): string {
    return this.tok.id_to_token(id) ?? `<id ${id}>`;
  }

  /**
   * The id of a token as a server prints it (a decoded piece: " the" rather than SentencePiece's "▁the"), or
   * undefined when no vocabulary entry matches. Only for servers that return token strings without ids.
   */
  idOfPiece(piece: string): number | undefined {
    const direct = this.tok.token_to_id(piece);
    if (direct !== undefined) return direct;
    const spm = this.tok.token_to_id(piece.replace(/ /g, "\u2581"));
    if (spm !== undefined) return spm;
    const bytes = new TextEncoder().encode(piece);
    if (bytes.length === 1)
      return this.tok.token_to_id(`<0x${(bytes[0] ?? 0).toString(16).toUpperCase().padStart(2, "0")}>`);
    return undefined;
  }

  imageTokenId(code: number): number {
    if (!Number.isInteger(code) || code < 0 || code >= this.codebookSize) {
      throw new SeedError("input", `image code ${code} is outside [0, ${this.codebookSize})`);
    }
    return this.imageTokenOffset + code;
  }

  /** The code of an image-token id, or undefined for any other id. */
  codeOf(id: number): number | undefined {
    const c = id - this.imageTokenOffset;
    return c >= 0 && c < this.codebookSize ? c : undefined;
  }
}
