// The denoising filmstrip (application/vnd.seed.filmstrip+json): one large frame with a slider over the steps, and
// the thumbnails of all frames below (click one to jump). While the run is live, the slider follows the newest frame.

import type { FilmstripPayload } from "../../kernel/protocol/payloads";
import { h, pngUrl } from "./dom";

export function renderFilmstrip(payload: FilmstripPayload, root: HTMLElement): void {
  const n = payload.frames.length;
  const lastStep = payload.frames[n - 1]?.step ?? 0;
  const status = payload.stopped
    ? `denoising ${payload.stopped === "error" ? "failed" : "interrupted"} after step ${lastStep} of ${payload.totalSteps}`
    : payload.done
      ? payload.caption
        ? "denoising"
        : `denoising, ${payload.totalSteps} steps`
      : `denoising… step ${lastStep} of ${payload.totalSteps}`;
  root.append(h("div", { class: "muted" }, `${status}${payload.caption ? ` · ${payload.caption}` : ""}`));
  if (n === 0) {
    root.append(h("div", { class: "muted" }, payload.stopped ? "no step finished" : "waiting for the first step…"));
    return;
  }
  const big = h("img", { class: "pic", width: 192, height: 192, style: "image-rendering:pixelated" });
  const label = h("div", { class: "muted" });
  const slider = h("input", {
    type: "range",
    min: 0,
    max: n - 1,
    step: 1,
    value: n - 1,
    "aria-label": "denoising step",
  });
  const thumbs = payload.frames.map((f, i) =>
    h("img", {
      class: "pic",
      src: pngUrl(f.image.png),
      width: 48,
      height: 48,
      title: `step ${f.step} (t=${f.timestep})`,
      style: "cursor:pointer;opacity:.6",
      "data-i": i,
    }),
  );
  const select = (i: number): void => {
    const f = payload.frames[i]!;
    big.src = pngUrl(f.image.png);
    label.textContent = `step ${f.step} of ${payload.totalSteps} · timestep ${f.timestep}${i === n - 1 && payload.done && !payload.stopped ? " · final" : ""}`;
    slider.value = String(i);
    thumbs.forEach((t, j) => (t.style.opacity = j === i ? "1" : ".6"));
  };
  slider.addEventListener("input", () => select(Number(slider.value)));
  thumbs.forEach((t, i) => t.addEventListener("click", () => select(i)));
  root.append(
    h("div", { class: "row" }, big, h("div", {}, label, slider)),
    h("div", { class: "row", style: "gap:3px;margin-top:6px" }, ...thumbs),
  );
  select(n - 1);
}
