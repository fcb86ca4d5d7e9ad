// The top-k probability chart (application/vnd.seed.probabilities+json): the generated tokens as a clickable row;
// the selected one's candidates as horizontal bars, the chosen token highlighted. Arrow keys move between steps.

import type { GenerationStep, ProbabilitiesPayload } from "../../kernel/protocol/payloads";
import { h, visibleToken } from "./dom";

/** Bars for one step's candidates. */
export function barsElement(step: GenerationStep): HTMLElement {
  return h(
    "div",
    { class: "bars" },
    ...step.candidates.map((c) =>
      h(
        "div",
        {
          class: c.id === step.id ? "bar-row chosen" : "bar-row",
          title: `${c.text} (id ${c.id}): ${(c.prob * 100).toFixed(2)}%`,
        },
        h("span", { class: "bar-label" }, visibleToken(c.text)),
        h(
          "span",
          { class: "bar-track" },
          h("span", {
            class: "bar-fill",
            style: `display:block;width:${(Math.max(0, Math.min(1, c.prob)) * 100).toFixed(1)}%`,
          }),
        ),
        h("span", { class: "muted" }, `${(c.prob * 100).toFixed(1)}%`),
      ),
    ),
  );
}

/** A row of clickable generated tokens and a bars panel for the selected one. */
export function stepPicker(steps: readonly GenerationStep[], selected: number): HTMLElement {
  const panel = h("div", { style: "margin-top:6px" });
  const tokens = steps.map((s, i) =>
    h("span", { class: "tok", tabindex: 0, title: `step ${i} · id ${s.id}` }, visibleToken(s.text)),
  );
  const width = Math.max(2, Math.min(8, Math.floor(480 / Math.max(1, steps.length))));
  const columns = steps.map((s, i) => {
    const p = s.candidates.find((c) => c.id === s.id)?.prob ?? 0;
    return h("span", {
      title: `#${i} ${s.text}: ${(p * 100).toFixed(1)}%`,
      style: `display:inline-block;width:${width}px;height:${Math.max(1, Math.round(p * 40))}px;cursor:pointer;background:${s.code !== undefined ? "var(--vscode-charts-orange, #d18616)" : "var(--vscode-charts-blue, #3794ff)"}`,
    });
  });
  const select = (i: number): void => {
    columns.forEach((c, j) => (c.style.opacity = j === i ? "1" : ".55"));
    tokens.forEach((t, j) => t.classList.toggle("selected", j === i));
    panel.replaceChildren(
      h("div", { class: "muted" }, `step ${i} of ${steps.length - 1}: chose “${visibleToken(steps[i]!.text)}”`),
      barsElement(steps[i]!),
    );
  };
  columns.forEach((c, i) => c.addEventListener("click", () => select(i)));
  tokens.forEach((t, i) => {
    t.addEventListener("click", () => select(i));
    t.addEventListener("mouseenter", () => select(i));
    t.addEventListener("keydown", (e) => {
      if (e.key === "ArrowRight" && i + 1 < steps.length) tokens[i + 1]!.focus();
      if (e.key === "ArrowLeft" && i > 0) tokens[i - 1]!.focus();
    });
    t.addEventListener("focus", () => select(i));
  });
  select(Math.min(Math.max(0, selected), steps.length - 1));
  const overview = h(
    "div",
    {
      title: "probability of the chosen token per step (orange: image token, blue: text)",
      style:
        "display:flex;align-items:flex-end;gap:1px;height:40px;margin-bottom:4px;border-bottom:1px solid var(--vscode-editorWidget-border, rgba(127,127,127,.4))",
    },
    ...columns,
  );
  return h("div", {}, overview, h("div", { class: "answer", style: "max-height:7em;overflow:auto" }, ...tokens), panel);
}

export function renderProbabilities(payload: ProbabilitiesPayload, root: HTMLElement): void {
  const k = payload.steps[0]?.candidates.length ?? 0;
  root.append(
    h(
      "div",
      { class: "muted" },
      `top-${k} next-token probabilities · ${payload.steps.length} generated tokens${payload.caption ? ` · ${payload.caption}` : ""} · hover or click a token`,
    ),
  );
  if (payload.steps.length === 0) {
    root.append(h("div", { class: "muted" }, "no generated tokens"));
    return;
  }
  root.append(stepPicker(payload.steps, payload.selected));
}
