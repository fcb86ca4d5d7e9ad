// Prompt building in SEED-LLaMA's Vicuna style, from the manifest's chat_template:
//   <s>{system}USER: {IMG}{question}\nASSISTANT:{answer}\nUSER: {question 2}\nASSISTANT:
// where {IMG} = <img> + N image tokens + </img> with no separators. Pure: takes turns whose images are already
// codes and returns the prompt text; the caller encodes it with BOS (one encode call, so chunk boundaries and ids
// equal the Python reference's, which also splits the whole string on added tokens).

import { SeedError } from "./errors";
import type { ChatTemplateSpec } from "./manifest-types";
import { formatImageToken } from "./text-tokenizer";

/** A chat part after images were tokenized. */
export type ResolvedPart = string | { readonly codes: readonly number[] };

export interface ResolvedTurn {
  /** "system" only as the first turn: its text replaces the template's system prompt. */
  readonly role: "system" | "user" | "assistant";
  readonly content: readonly ResolvedPart[];
}

export interface ImageTokenFormat {
  readonly imageTokenFormat: string;
  readonly boiToken: string;
  readonly eoiToken: string;
  readonly numTokens: number;
  readonly codebookSize: number;
}

/** {IMG}: BOI + one image token per code + EOI. */
export function imageBlock(codes: readonly number[], f: ImageTokenFormat): string {
  if (codes.length !== f.numTokens)
    throw new SeedError("input", `an image in a prompt needs exactly ${f.numTokens} codes, got ${codes.length}`);
  for (const c of codes) {
    if (!Number.isInteger(c) || c < 0 || c >= f.codebookSize)
      throw new SeedError("input", `image code ${c} in a prompt is outside [0, ${f.codebookSize})`);
  }
  return f.boiToken + codes.map((c) => formatImageToken(f.imageTokenFormat, c)).join("") + f.eoiToken;
}

/**
 * Turns -> prompt text (without BOS). Turns must start with a user turn and alternate; the prompt ends with the
 * assistant prefix when the last turn is the user's, so the model answers next. forceImage appends BOI (SEED's
 * force_boi: the model must draw).
 */
export function buildPromptText(
  allTurns: readonly ResolvedTurn[],
  tpl: ChatTemplateSpec,
  f: ImageTokenFormat,
  options: { forceImage?: boolean } = {},
): string {
  let text = tpl.system;
  let turns = allTurns;
  if (allTurns[0]?.role === "system") {
    // A conversation's own system message takes the template's system slot (before the first "USER: ").
    const own = allTurns[0].content.map((p) => (typeof p === "string" ? p : imageBlock(p.codes, f))).join("");
    text = own === "" || /\s$/.test(own) ? own : `${own}\n`;
    turns = allTurns.slice(1);
  }
  if (turns.length === 0) throw new SeedError("input", "a prompt needs at least one user turn");
  turns.forEach((turn, i) => {
    const expected = i % 2 === 0 ? "user" : "assistant";
    if (turn.role !== expected) {
      throw new SeedError(
        "input",
        `chat turn ${i} has role "${turn.role}", expected "${expected}" (turns start with the user and alternate; a system turn may only come first)`,
      );
    }
    const body = turn.content.map((p) => (typeof p === "string" ? p : imageBlock(p.codes, f))).join("");
    if (turn.role === "user") {
      text += (i > 0 ? tpl.turn_separator : "") + tpl.user_prefix + body;
    } else {
      text += tpl.assistant_prefix + body;
    }
  });
  const last = turns[turns.length - 1];
  if (last?.role === "user") text += tpl.assistant_prefix;
  if (options.forceImage) text += f.boiToken;
  return text;
}
