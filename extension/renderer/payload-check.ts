// Checks a payload before drawing it, so a malformed or newer-version output shows a clear message instead of a
// blank cell or a stack trace. Pure (no DOM): unit-tested under Node.

import { MIME } from "../../kernel/protocol/mime";
import { PAYLOAD_VERSION } from "../../kernel/protocol/payloads";

type Check = (p: Record<string, unknown>) => string | undefined;

const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const need = (
  p: Record<string, unknown>,
  key: string,
  kind: "array" | "object" | "number" | "string",
): string | undefined => {
  const v = p[key];
  const ok =
    kind === "array"
      ? isArray(v)
      : kind === "object"
        ? typeof v === "object" && v !== null && !isArray(v)
        : typeof v === kind;
  return ok
    ? undefined
    : `"${key}" should be ${kind === "array" ? "an array" : `a${kind === "object" ? "n" : ""} ${kind}`}, got ${isArray(v) ? "an array" : v === null ? "null" : typeof v}`;
};

const CHECKS: Record<string, Check> = {
  [MIME.tokens]: (p) =>
    need(p, "chips", "array") ?? need(p, "numTokens", "number") ?? need(p, "codebookSize", "number"),
  [MIME.image]: (p) => need(p, "image", "object"),
  [MIME.comparison]: (p) => need(p, "images", "array"),
  [MIME.filmstrip]: (p) => need(p, "frames", "array") ?? need(p, "totalSteps", "number"),
  [MIME.generation]: (p) => need(p, "parts", "array") ?? need(p, "status", "string") ?? need(p, "tokenCount", "number"),
  [MIME.probabilities]: (p) => need(p, "steps", "array") ?? need(p, "selected", "number"),
  [MIME.controls]: (p) =>
    need(p, "viewId", "string") ??
    need(p, "controls", "array") ??
    need(p, "values", "object") ??
    need(p, "code", "string"),
  [MIME.atlas]: (p) => need(p, "entries", "array") ?? need(p, "codebookSize", "number"),
  [MIME.decodeComparison]: (p) => need(p, "rows", "array") ?? need(p, "totalSteps", "number"),
  [MIME.tokenComparison]: (p) => need(p, "a", "object") ?? need(p, "b", "object") ?? need(p, "swaps", "array"),
};

/** Undefined when `value` can be drawn as `mime`, else what is wrong. */
export function payloadProblem(mime: string, value: unknown): string | undefined {
  const check = CHECKS[mime];
  if (!check) return `The SEED renderer does not draw ${mime}; it draws ${Object.keys(CHECKS).join(", ")}.`;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return `${mime}: expected a JSON object, got ${Array.isArray(value) ? "an array" : typeof value}.`;
  const p = value as Record<string, unknown>;
  if (p.version !== PAYLOAD_VERSION) {
    return `${mime}: payload version ${String(p.version)} is not supported by this renderer (it draws version ${PAYLOAD_VERSION}); update the SEED Notebook extension or re-run the cell.`;
  }
  const problem = check(p);
  return problem ? `${mime}: ${problem}.` : undefined;
}
