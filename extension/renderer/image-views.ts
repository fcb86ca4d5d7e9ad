// Image (application/vnd.seed.image+json) and comparison (application/vnd.seed.comparison+json) outputs: labelled
// images side by side, upscaled small model images drawn pixel-sharp, with the reconstruction's token strip below.

import type { ComparisonPayload, ImagePayload, ImageViewPayload } from "../../kernel/protocol/payloads";
import { h, pngUrl } from "./dom";
import { chipElements } from "./tokens-view";

/** A labelled image; small images are upscaled to `width` CSS pixels. */
export function figure(image: ImagePayload, width = Math.max(160, Math.min(image.width, 320))): HTMLElement {
  const height = Math.round((image.height / image.width) * width);
  const rendering = width >= image.width * 3 ? "pixelated" : "auto";
  return h(
    "figure",
    {},
    h("img", {
      class: "pic",
      src: pngUrl(image.png),
      width,
      height,
      alt: image.label ?? "image",
      title: `${image.label ?? "image"} (${image.width}x${image.height})`,
      style: `image-rendering:${rendering}`,
    }),
    image.label
      ? h("figcaption", { class: "muted", style: `max-width:${width}px;overflow-wrap:anywhere` }, image.label)
      : null,
  );
}

export function renderImage(payload: ImageViewPayload, root: HTMLElement): void {
  root.append(figure(payload.image));
}

export function renderComparison(payload: ComparisonPayload, root: HTMLElement): void {
  const width = payload.images.length > 4 ? 96 : 160;
  if (payload.caption) root.append(h("div", { class: "muted" }, payload.caption));
  root.append(
    h("div", { class: "row" }, ...payload.images.map((i) => figure(i, Math.max(width, Math.min(i.width, 320))))),
  );
  if (payload.tokens)
    root.append(h("div", { class: "strip", style: "margin-top:6px" }, ...chipElements(payload.tokens, true)));
}
