// The interactive token strip (application/vnd.seed.tokens+json): chips coloured by id; hover or focus a chip to see
// its id and its Q-Former attention over the source image on a canvas; click (or Enter) pins it, click again unpins.

import type { AttentionPayload, ChipAtlas, TokensPayload } from "../../kernel/protocol/payloads";
import { h, loadImage } from "./dom";

const CANVAS = 168;

/** A chip's atlas entry in one line (the same words as the kernel's HTML tooltip). */
export function atlasText(id: number, a: ChipAtlas, referenceCount: number): string {
  if (a.count === 0) return `atlas: no reference image uses code ${id} · seed.atlas(${id})`;
  return `atlas: used ${a.count}x in ${a.imageCount} of ${referenceCount} reference images, most at ${a.at.map((p) => `#${p}`).join(", ")} · top images ${a.top.join(", ")} · seed.atlas(${id})`;
}

/** The chips (and empty prefix slots) of a payload; `compact` chips are smaller and not interactive. */
export function chipElements(payload: TokensPayload, compact: boolean): HTMLElement[] {
  const chips: HTMLElement[] = payload.chips.map((c) =>
    h(
      "span",
      {
        class: compact ? "chip compact" : "chip",
        style: `background:${c.color};color:${c.textColor}`,
        title: `token #${c.index} · id ${c.id}${c.atlas ? `\n${atlasText(c.id, c.atlas, payload.atlasReferences ?? 0)}` : ""}`,
        tabindex: compact ? -1 : 0,
        "data-index": c.index,
      },
      String(c.id),
    ),
  );
  for (let i = payload.chips.length; i < payload.numTokens; i++)
    chips.push(h("span", { class: compact ? "slot compact" : "slot", title: `token #${i}: withheld (prefix)` }));
  return chips;
}

/** Row and column (1-based) of the map's maximum. */
export function peak(map: readonly number[], gridWidth: number): { row: number; col: number } {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i]! > map[best]!) best = i;
  return { row: Math.floor(best / gridWidth) + 1, col: (best % gridWidth) + 1 };
}

/** Draws the source image (if any) dimmed where token `index` does not attend, or a heat map without a source. */
function drawAttention(
  canvas: HTMLCanvasElement,
  source: HTMLImageElement | undefined,
  att: AttentionPayload | undefined,
  index: number | undefined,
): void {
  const g = canvas.getContext("2d");
  if (!g) return;
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (source) g.drawImage(source, 0, 0, canvas.width, canvas.height);
  const map = index === undefined ? undefined : att?.maps[index];
  if (!att || !map) return;
  const [gh, gw] = att.grid;
  const small = document.createElement("canvas");
  small.width = gw;
  small.height = gh;
  const sg = small.getContext("2d");
  if (!sg) return;
  const pixels = sg.createImageData(gw, gh); // [Gh, Gw, 4]
  for (let i = 0; i < gh * gw; i++) {
    const a = Math.min(1, Math.max(0, map[i] ?? 0));
    pixels.data.set(source ? [0, 0, 0, Math.round((1 - a) * 0.8 * 255)] : [255, 120, 0, Math.round(a * 255)], i * 4);
  }
  sg.putImageData(pixels, 0, 0);
  g.imageSmoothingEnabled = true;
  g.drawImage(small, 0, 0, canvas.width, canvas.height);
  const p = peak(map, gw);
  g.strokeStyle = "rgba(255,255,255,.9)";
  g.lineWidth = 2;
  g.strokeRect(
    ((p.col - 1) * canvas.width) / gw,
    ((p.row - 1) * canvas.height) / gh,
    canvas.width / gw,
    canvas.height / gh,
  );
}

/** Renders the full interactive strip into `root`. */
export async function renderTokens(payload: TokensPayload, root: HTMLElement): Promise<void> {
  const given = payload.chips.length;
  const title = `${payload.label ? `${payload.label} · ` : ""}${given < payload.numTokens ? `first ${given} of ${payload.numTokens}` : given} visual tokens · codebook ${payload.codebookSize}`;
  const chips = chipElements(payload, false);
  const canvas = h("canvas", { class: "attention", width: CANVAS, height: CANVAS });
  const info = h(
    "div",
    { class: "muted" },
    payload.attention ? "hover a chip: its attention over the image · click to pin" : "hover a chip for its id",
  );
  const hasDetail = payload.source !== undefined || payload.attention !== undefined;
  root.append(
    h("div", { class: "muted" }, title),
    h("div", { class: "strip" }, ...chips),
    hasDetail ? h("div", { class: "detail" }, canvas, info) : info,
  );
  const source = payload.source ? await loadImage(payload.source.png) : undefined;
  let pinned: number | undefined;

  const show = (index: number | undefined): void => {
    for (const c of chips) {
      const i = Number(c.dataset.index);
      c.classList.toggle("active", i === index);
      c.classList.toggle("pinned", i === pinned);
    }
    if (hasDetail) drawAttention(canvas, source, payload.attention, index);
    if (index === undefined) {
      info.textContent = payload.attention
        ? "hover a chip: its attention over the image · click to pin"
        : "hover a chip for its id";
      return;
    }
    const chip = payload.chips[index]!;
    const map = payload.attention?.maps[index];
    const where =
      map && payload.attention
        ? (() => {
            const p = peak(map, payload.attention.grid[1]);
            return ` · looks most at row ${p.row}, col ${p.col}`;
          })()
        : "";
    const atlas = chip.atlas ? ` · ${atlasText(chip.id, chip.atlas, payload.atlasReferences ?? 0)}` : "";
    info.textContent = `token #${index} · id ${chip.id}${where}${atlas}${pinned === index ? " · pinned (click to unpin)" : ""}`;
  };

  for (const c of chips) {
    const index = c.dataset.index;
    if (index === undefined) continue;
    const i = Number(index);
    c.addEventListener("mouseenter", () => show(i));
    c.addEventListener("focus", () => show(i));
    c.addEventListener("mouseleave", () => show(pinned));
    c.addEventListener("blur", () => show(pinned));
    const toggle = (): void => {
      pinned = pinned === i ? undefined : i;
      show(pinned ?? i);
    };
    c.addEventListener("click", toggle);
    c.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        toggle();
      }
    });
  }
  show(undefined);
}
