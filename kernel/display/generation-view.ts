// The live generation view: the prompt, then the answer as it streams - text token by token, image tokens filling a
// strip between <img> and </img>, then the decoded image - with a status line. One display, updated in place.

import type { MimeBundle } from "../protocol/mime";
import { MIME } from "../protocol/mime";
import type { GenerationPart, GenerationPayload, GenerationStep } from "../protocol/payloads";
import { PAYLOAD_VERSION } from "../protocol/payloads";
import { escapeHtml, frame, MUTED } from "./html";
import { type ImageInput, imagePayload } from "./image-payload";
import { figureHtml } from "./image-view";
import { roundSteps } from "./probabilities";
import { tokenStripHtml, tokensPayload } from "./token-strip";

/** A part of the answer as the builder takes it. */
export type GenerationPartInput =
  | { kind: "text"; text: string }
  | { kind: "tokens"; ids: readonly number[]; complete: boolean }
  | { kind: "image"; image: ImageInput };

export interface GenerationInput {
  prompt?: string;
  parts: readonly GenerationPartInput[];
  tokenCount: number;
  status: GenerationPayload["status"];
  /** Tokens per image and codebook size, for the image-token strips. */
  numTokens: number;
  codebookSize: number;
  /** Top-k per generated token; sent once the generation has finished (live updates stay small). */
  steps?: readonly GenerationStep[];
  /** Problems met (e.g. a repaired image span), shown under the answer. */
  warnings?: readonly string[];
}

const STATUS_TEXT: Record<GenerationPayload["status"], string> = {
  running: "generating…",
  "stop-token": "finished (stop token)",
  "max-tokens": "stopped at the token limit",
  interrupted: "interrupted",
  error: "failed",
};

export function generationPayload(input: GenerationInput): GenerationPayload {
  const parts: GenerationPart[] = input.parts.map((p) => {
    if (p.kind === "text") return { kind: "text", text: p.text };
    if (p.kind === "image") return { kind: "image", image: imagePayload(p.image) };
    return {
      kind: "tokens",
      complete: p.complete,
      tokens: tokensPayload({ ids: p.ids, numTokens: input.numTokens, codebookSize: input.codebookSize }),
    };
  });
  const payload: GenerationPayload = {
    version: PAYLOAD_VERSION,
    parts,
    tokenCount: input.tokenCount,
    status: input.status,
  };
  if (input.prompt !== undefined) payload.prompt = input.prompt;
  if (input.steps !== undefined && input.status !== "running") payload.steps = roundSteps(input.steps);
  if (input.warnings && input.warnings.length > 0) payload.warnings = [...input.warnings];
  return payload;
}

function partHtml(part: GenerationPartInput, input: GenerationInput): string {
  if (part.kind === "text") return `<span style="white-space:pre-wrap">${escapeHtml(part.text)}</span>`;
  if (part.kind === "image") return `<div style="margin:4px 0">${figureHtml(imagePayload(part.image), 160)}</div>`;
  const strip = tokenStripHtml(
    { ids: part.ids, numTokens: input.numTokens, codebookSize: input.codebookSize },
    { compact: true },
  );
  const note = part.complete ? "image tokens" : `image tokens ${part.ids.length}/${input.numTokens}…`;
  return `<div style="margin:4px 0"><div style="${MUTED}">&lt;img&gt; ${note}</div>${strip}</div>`;
}

/** Plain text: the answer with image spans as [image] / [image tokens k/N], a final status other than a stop token, and each warning. */
export function generationText(input: GenerationInput): string {
  const body = input.parts
    .map((p) =>
      p.kind === "text"
        ? p.text
        : p.kind === "image"
          ? "[image]"
          : p.complete
            ? ""
            : `[image tokens ${p.ids.length}/${input.numTokens}]`,
    )
    .join("");
  const status =
    input.status === "running" ? " …" : input.status === "stop-token" ? "" : ` [${STATUS_TEXT[input.status]}]`;
  return `${body}${status}${(input.warnings ?? []).map((w) => `\n⚠ ${w}`).join("")}`;
}

/** The generation bundle: vnd.seed.generation+json, html, png (the last image, once there is one), plain. */
export function generationBundle(input: GenerationInput): MimeBundle {
  const payload = generationPayload(input);
  const prompt =
    input.prompt !== undefined
      ? `<div style="${MUTED};margin-bottom:4px;white-space:pre-wrap">› ${escapeHtml(input.prompt)}</div>`
      : "";
  const answer = `<div style="line-height:1.5">${input.parts.map((p) => partHtml(p, input)).join("")}</div>`;
  const warnings = (input.warnings ?? []).map((w) => `<div style="${MUTED}">⚠ ${escapeHtml(w)}</div>`).join("");
  const status = `<div style="${MUTED};margin-top:4px">${STATUS_TEXT[input.status]} · ${input.tokenCount} tokens</div>${warnings}`;
  const bundle: MimeBundle = {
    [MIME.generation]: payload,
    [MIME.html]: frame("", prompt + answer + status),
    [MIME.plain]: generationText(input),
  };
  const images = payload.parts.filter((p): p is Extract<GenerationPart, { kind: "image" }> => p.kind === "image");
  if (images.length > 0) bundle[MIME.png] = images[images.length - 1]!.image.png;
  return bundle;
}
