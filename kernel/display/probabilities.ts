// Top-k probability chart per generated token: for each step, the chosen token and its most likely alternatives as
// horizontal bars. HTML shows every step as a row (capped), the selected one first and highlighted.

import type { MimeBundle } from "../protocol/mime";
import { MIME } from "../protocol/mime";
import type { GenerationStep, ProbabilitiesPayload } from "../protocol/payloads";
import { PAYLOAD_VERSION } from "../protocol/payloads";
import { tokenColor } from "./colors";
import { escapeHtml, frame, MUTED } from "./html";

/** Steps shown in the HTML table (the payload keeps them all; the renderer pages through them). */
export const HTML_MAX_STEPS = 48;

/** Rounds probabilities to 4 decimals (small payloads). */
export function roundSteps(steps: readonly GenerationStep[]): GenerationStep[] {
  return steps.map((s) => {
    const out: GenerationStep = {
      id: s.id,
      text: s.text,
      candidates: s.candidates.map((c) => ({ id: c.id, text: c.text, prob: Math.round(c.prob * 10000) / 10000 })),
    };
    if (s.code !== undefined) out.code = s.code;
    return out;
  });
}

/** A token's text made visible: spaces as ␣, newlines as ⏎. */
export function visibleToken(text: string): string {
  return text.replace(/ /g, "␣").replace(/\n/g, "⏎").replace(/\t/g, "⇥") || "∅";
}

function barsHtml(step: GenerationStep): string {
  return step.candidates
    .map((c) => {
      const chosen = c.id === step.id;
      const pct = Math.max(0, Math.min(100, c.prob * 100));
      const fill =
        step.code !== undefined && c.text.startsWith("<img_")
          ? tokenColor(Number(c.text.slice(5, -1)) || 0).background
          : "currentColor";
      return (
        `<div title="${escapeHtml(`${c.text} (id ${c.id}): ${(c.prob * 100).toFixed(1)}%`)}" style="display:flex;align-items:center;gap:4px;height:14px">` +
        `<span style="width:84px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-family:ui-monospace,monospace;font-size:11px;${chosen ? "font-weight:700" : "opacity:.75"}">${escapeHtml(visibleToken(c.text))}</span>` +
        `<span style="display:inline-block;width:120px;height:8px;border-radius:2px;background:rgba(127,127,127,.2)"><span style="display:block;width:${pct.toFixed(1)}%;height:100%;border-radius:2px;background:${fill};opacity:${chosen ? 0.9 : 0.45}"></span></span>` +
        `<span style="${MUTED};font-size:11px">${(c.prob * 100).toFixed(1)}%</span></div>`
      );
    })
    .join("");
}

/** The probability of the chosen token, one thin column per step: where the model was sure and where it hesitated. */
export function chosenProbability(step: GenerationStep): number {
  return step.candidates.find((c) => c.id === step.id)?.prob ?? 0;
}

function overviewHtml(steps: readonly GenerationStep[]): string {
  const width = Math.max(2, Math.min(8, Math.floor(480 / steps.length)));
  const cols = steps
    .map((s, i) => {
      const p = chosenProbability(s);
      const fill = s.code !== undefined ? tokenColor(s.code).background : "currentColor";
      const h = Math.max(1, Math.round(p * 40));
      return `<span title="${escapeHtml(`#${i} ${s.text}: ${(p * 100).toFixed(1)}%`)}" style="display:inline-block;width:${width}px;height:${h}px;background:${fill};opacity:${s.code !== undefined ? 0.9 : 0.5}"></span>`;
    })
    .join("");
  return `<div style="${MUTED}">probability of the chosen token per step (colour: image token, grey: text)</div><div style="display:flex;align-items:flex-end;gap:1px;height:40px;border-bottom:1px solid rgba(127,127,127,.4)">${cols}</div>`;
}

export interface ProbabilitiesInput {
  steps: readonly GenerationStep[];
  selected?: number;
  caption?: string;
}

/** The chart bundle: vnd.seed.probabilities+json, html, plain. */
export function probabilitiesBundle(input: ProbabilitiesInput): MimeBundle {
  const selected = input.selected ?? 0;
  if (input.steps.length > 0 && (!Number.isInteger(selected) || selected < 0 || selected >= input.steps.length)) {
    throw new RangeError(`probabilities: selected step ${selected} is outside 0..${input.steps.length - 1}`);
  }
  const payload: ProbabilitiesPayload = { version: PAYLOAD_VERSION, steps: roundSteps(input.steps), selected };
  if (input.caption !== undefined) payload.caption = input.caption;
  const order = [selected, ...payload.steps.map((_, i) => i).filter((i) => i !== selected)].slice(0, HTML_MAX_STEPS);
  const rows = payload.steps.length
    ? order
        .map((i) => {
          const s = payload.steps[i]!;
          const border = i === selected ? "border-left:3px solid currentColor" : "border-left:3px solid transparent";
          return `<div style="display:flex;gap:8px;padding:2px 6px;${border}"><span title="${escapeHtml(s.text)}" style="${MUTED};width:110px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap">#${i} <b>${escapeHtml(visibleToken(s.text))}</b></span><div>${barsHtml(s)}</div></div>`;
        })
        .join("")
    : `<div style="${MUTED}">no generated tokens</div>`;
  const more =
    payload.steps.length > HTML_MAX_STEPS
      ? `<div style="${MUTED}">… ${payload.steps.length - HTML_MAX_STEPS} more steps (all are in the VS Code view)</div>`
      : "";
  const overview = payload.steps.length ? `<div style="margin-bottom:6px">${overviewHtml(payload.steps)}</div>` : "";
  const title = `top-${payload.steps[0]?.candidates.length ?? 0} next-token probabilities · ${payload.steps.length} generated tokens${input.caption ? ` · ${input.caption}` : ""}`;
  const sel = payload.steps[selected];
  const plain = sel
    ? `<Probabilities ${payload.steps.length} steps; step ${selected} chose ${JSON.stringify(sel.text)}: ${sel.candidates.map((c) => `${JSON.stringify(c.text)} ${(c.prob * 100).toFixed(1)}%`).join(", ")}>`
    : "<Probabilities: no generated tokens>";
  return {
    [MIME.probabilities]: payload,
    [MIME.html]: frame(
      title,
      `${overview}<div style="display:flex;flex-direction:column;gap:4px">${rows}</div>${more}`,
    ),
    [MIME.plain]: plain,
  };
}
