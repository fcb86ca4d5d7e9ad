// The SEED notebook renderer (contributes.notebookRenderer "seed-notebook-renderer", esbuild entry -> dist/renderer.js,
// ESM). VS Code calls activate() once, then renderOutputItem for every application/vnd.seed.*+json output; each is
// drawn into a shadow root styled from the theme's CSS variables. Saved outputs render without the kernel
// (requiresMessaging "optional"): everything needed is in the payload.

import type { ActivationFunction, OutputItem, RendererContext } from "vscode-notebook-renderer";
import type { ControlsPayload } from "../../kernel/protocol/controls";
import { MIME } from "../../kernel/protocol/mime";
import type {
  AtlasPayload,
  ComparisonPayload,
  DecodeComparisonPayload,
  FilmstripPayload,
  GenerationPayload,
  ImageViewPayload,
  ProbabilitiesPayload,
  TokenComparisonPayload,
  TokensPayload,
} from "../../kernel/protocol/payloads";
import { renderAtlas } from "./atlas-view";
import { renderDecodeComparison, renderTokenComparison } from "./compare-views";
import { renderControls } from "./controls-view";
import { h, problem } from "./dom";
import { renderFilmstrip } from "./filmstrip-view";
import { renderGeneration } from "./generation-view";
import { renderComparison, renderImage } from "./image-views";
import { payloadProblem } from "./payload-check";
import { renderProbabilities } from "./probabilities-view";
import { STYLES } from "./styles";
import { renderTokens } from "./tokens-view";

/** Draws one payload of type `mime` into `root`. */
async function draw(mime: string, value: unknown, root: HTMLElement): Promise<void> {
  return drawIn(mime, value, root);
}

/** Draws one payload; a view with controls needs its output element (kept across updates) and the messaging context. */
async function drawIn(
  mime: string,
  value: unknown,
  root: HTMLElement,
  host?: { element: HTMLElement; context: RendererContext<unknown> },
): Promise<void> {
  const wrong = payloadProblem(mime, value);
  if (wrong) {
    root.append(problem(wrong));
    return;
  }
  switch (mime) {
    case MIME.tokens:
      return renderTokens(value as TokensPayload, root);
    case MIME.image:
      return renderImage(value as ImageViewPayload, root);
    case MIME.comparison:
      return renderComparison(value as ComparisonPayload, root);
    case MIME.filmstrip:
      return renderFilmstrip(value as FilmstripPayload, root);
    case MIME.generation:
      return renderGeneration(value as GenerationPayload, root);
    case MIME.probabilities:
      return renderProbabilities(value as ProbabilitiesPayload, root);
    case MIME.controls:
      if (!host) {
        root.append(problem("a view with controls cannot be nested in another view"));
        return;
      }
      await renderControls(value as ControlsPayload, host.element, root, host.context, draw);
      return;
    case MIME.atlas:
      return renderAtlas(value as AtlasPayload, root);
    case MIME.decodeComparison:
      return renderDecodeComparison(value as DecodeComparisonPayload, root);
    case MIME.tokenComparison:
      return renderTokenComparison(value as TokenComparisonPayload, root);
  }
}

export const activate: ActivationFunction = (context) => ({
  async renderOutputItem(item: OutputItem, element: HTMLElement): Promise<void> {
    const shadow = element.shadowRoot ?? element.attachShadow({ mode: "open" });
    const kept = item.mime === MIME.controls ? shadow.querySelector<HTMLElement>("div.seed-root") : null;
    const root = kept ?? h("div", { class: "seed seed-root" });
    // A view with controls keeps its root (and its sliders) across updates; every other view is drawn afresh.
    if (!kept) shadow.replaceChildren(h("style", {}, STYLES), root);
    let value: unknown;
    try {
      value = item.json();
    } catch (e) {
      root.append(problem(`${item.mime}: the output is not valid JSON (${(e as Error).message}).`));
      return;
    }
    try {
      await drawIn(item.mime, value, root, { element, context });
    } catch (e) {
      root.append(problem(`SEED renderer failed to draw ${item.mime}: ${(e as Error).message}`));
    }
  },
  disposeOutputItem(): void {
    // Nothing to release: listeners live on elements that VS Code removes with the output.
  },
});
