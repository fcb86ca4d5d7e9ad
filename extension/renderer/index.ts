// The SEED notebook renderer (contributes.notebookRenderer "seed-notebook-renderer", esbuild entry -> dist/renderer.js,
// ESM). VS Code calls activate() once, then renderOutputItem for every application/vnd.seed.*+json output; each is
// drawn into a shadow root styled from the theme's CSS variables. Saved outputs render without the kernel
// (requiresMessaging "optional"): everything needed is in the payload.

import type { ActivationFunction, OutputItem } from "vscode-notebook-renderer";
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
    case MIME.atlas:
      return renderAtlas(value as AtlasPayload, root);
    case MIME.decodeComparison:
      return renderDecodeComparison(value as DecodeComparisonPayload, root);
    case MIME.tokenComparison:
      return renderTokenComparison(value as TokenComparisonPayload, root);
  }
}

export const activate: ActivationFunction = () => ({
  async renderOutputItem(item: OutputItem, element: HTMLElement): Promise<void> {
    const shadow = element.shadowRoot ?? element.attachShadow({ mode: "open" });
    const root = h("div", { class: "seed" });
    shadow.replaceChildren(h("style", {}, STYLES), root);
    let value: unknown;
    try {
      value = item.json();
    } catch (e) {
      root.append(problem(`${item.mime}: the output is not valid JSON (${(e as Error).message}).`));
      return;
    }
    try {
      await draw(item.mime, value, root);
    } catch (e) {
      root.append(problem(`SEED renderer failed to draw ${item.mime}: ${(e as Error).message}`));
    }
  },
  disposeOutputItem(): void {
    // Nothing to release: listeners live on elements that VS Code removes with the output.
  },
});
