// The generation view (application/vnd.seed.generation+json): the prompt, the answer as it streams (text, image
// tokens filling a strip, then the decoded image) and a status line; once finished, a probability panel per token.

import type { GenerationPayload } from "../../kernel/protocol/payloads";
import { h } from "./dom";
import { figure } from "./image-views";
import { stepPicker } from "./probabilities-view";
import { chipElements } from "./tokens-view";

const STATUS: Record<GenerationPayload["status"], string> = {
  running: "generating…",
  "stop-token": "finished (stop token)",
  "max-tokens": "stopped at the token limit",
  interrupted: "interrupted",
  error: "failed",
};

export function renderGeneration(payload: GenerationPayload, root: HTMLElement): void {
  if (payload.prompt !== undefined)
    root.append(h("div", { class: "muted", style: "white-space:pre-wrap" }, `› ${payload.prompt}`));
  const answer = h("div", { class: "answer" });
  for (const part of payload.parts) {
    if (part.kind === "text") answer.append(part.text);
    else if (part.kind === "image") answer.append(h("div", { style: "margin:4px 0" }, figure(part.image, 160)));
    else {
      const n = part.tokens.chips.length;
      answer.append(
        h(
          "div",
          { style: "margin:4px 0" },
          h(
            "div",
            { class: "muted" },
            part.complete ? "<img> image tokens" : `<img> image tokens ${n}/${part.tokens.numTokens}…`,
          ),
          h("div", { class: "strip" }, ...chipElements(part.tokens, true)),
        ),
      );
    }
  }
  root.append(
    answer,
    h("div", { class: "muted", style: "margin-top:4px" }, `${STATUS[payload.status]} · ${payload.tokenCount} tokens`),
  );
  for (const w of payload.warnings ?? []) root.append(h("div", { class: "muted" }, `⚠ ${w}`));
  if (payload.steps && payload.steps.length > 0) {
    const details = h(
      "details",
      { style: "margin-top:4px" },
      h("summary", { class: "muted", style: "cursor:pointer" }, "next-token probabilities"),
      stepPicker(payload.steps, 0),
    );
    root.append(details);
  }
}
