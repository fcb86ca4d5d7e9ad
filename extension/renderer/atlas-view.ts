// The codebook atlas (application/vnd.seed.atlas+json): a search box over every code ("417" a code, "#5" the codes at
// position 5, ">10" or "<3" by usage, "unused"), result cards (the code decoded alone, its usage, its top reference
// images), and a detail panel for the card clicked. Thumbnails are crops of the payload's two sprite sheets.

import type { AtlasEntryPayload, AtlasPayload, SpriteSheetPayload } from "../../kernel/protocol/payloads";
import { searchAtlas } from "./atlas-search";
import { h, pngUrl } from "./dom";

/** How many cards a search shows at most. */
const MAX_CARDS = 48;

/** One tile of a sheet as a div with the sheet as its background, scaled to `size` pixels. */
export function tile(sheet: SpriteSheetPayload, item: number, size: number, title: string): HTMLElement | null {
  const index = sheet.indices ? sheet.indices.indexOf(item) : item < sheet.count ? item : -1;
  if (index < 0) return null;
  const scale = size / sheet.tile;
  const rows = Math.ceil(sheet.count / sheet.columns);
  const x = (index % sheet.columns) * size;
  const y = Math.floor(index / sheet.columns) * size;
  return h("div", {
    class: "pic",
    title,
    style:
      `width:${size}px;height:${size}px;border-radius:4px;flex:none;image-rendering:pixelated;` +
      `background-image:url(${pngUrl(sheet.png)});background-size:${sheet.columns * sheet.tile * scale}px ${rows * sheet.tile * scale}px;` +
      `background-position:-${x}px -${y}px`,
  });
}

function positionsText(e: AtlasEntryPayload, max: number): string {
  if (e.positions.length === 0) return "never used by the reference images";
  const shown = e.positions.slice(0, max).map(([p, n]) => `#${p} (${n}x)`);
  return `at ${shown.join(", ")}${e.positions.length > max ? ", …" : ""}`;
}

function chip(e: AtlasEntryPayload): HTMLElement {
  return h("span", { class: "chip compact", style: `background:${e.color};color:${e.textColor}` }, String(e.code));
}

function card(payload: AtlasPayload, e: AtlasEntryPayload, onPick: (e: AtlasEntryPayload) => void): HTMLElement {
  const pics: (HTMLElement | null)[] = [];
  if (payload.decodes) pics.push(tile(payload.decodes, e.code, 48, `code ${e.code} decoded alone`));
  if (payload.references)
    for (const t of e.top.slice(0, 4))
      pics.push(
        tile(payload.references, t.image, 48, `reference ${t.image}: at ${t.positions.map((p) => `#${p}`).join(", ")}`),
      );
  const el = h(
    "div",
    { class: "atlas-card", "data-code": e.code, style: "cursor:pointer;margin:4px 0" },
    h("div", {}, chip(e), ` used ${e.count}x in ${e.imageCount} images · ${positionsText(e, 3)}`),
    h("div", { class: "row", style: "gap:4px;margin-top:2px" }, ...pics),
  );
  el.addEventListener("click", () => onPick(e));
  return el;
}

function detail(payload: AtlasPayload, e: AtlasEntryPayload): HTMLElement {
  const refs = payload.references;
  const tops = e.top.map((t) =>
    h(
      "figure",
      {},
      refs ? tile(refs, t.image, 96, `reference ${t.image}`) : null,
      h(
        "figcaption",
        { class: "muted", style: "max-width:96px" },
        `#${t.image}: at ${t.positions.map((p) => `#${p}`).join(", ")}`,
        payload.captions?.[t.image] ? h("div", {}, payload.captions[t.image]!) : null,
      ),
    ),
  );
  return h(
    "div",
    { class: "atlas-detail" },
    h(
      "div",
      {},
      chip(e),
      ` code ${e.code}: used ${e.count}x in ${e.imageCount} of ${payload.referenceCount} reference images · ${positionsText(e, 32)}`,
    ),
    h(
      "div",
      { class: "row", style: "margin-top:4px" },
      payload.decodes
        ? h(
            "figure",
            {},
            tile(payload.decodes, e.code, 96, `code ${e.code} decoded alone`),
            h("figcaption", { class: "muted" }, `alone (${payload.decodeSteps ?? "?"} steps)`),
          )
        : null,
      ...tops,
    ),
  );
}

export function renderAtlas(payload: AtlasPayload, root: HTMLElement): void {
  const used = payload.entries.filter((e) => e.count > 0).length;
  if (payload.selected !== undefined) {
    const e = payload.entries.find((x) => x.code === payload.selected);
    root.append(h("div", { class: "muted" }, `codebook atlas · ${payload.model} · code ${payload.selected}`));
    if (e) root.append(detail(payload, e));
    return;
  }
  root.append(
    h(
      "div",
      { class: "muted" },
      `codebook atlas · ${payload.model} · ${used} of ${payload.codebookSize} codes used by ${payload.referenceCount} reference images · ${payload.caption ?? ""}`,
    ),
  );
  const input = h("input", {
    type: "search",
    placeholder: "code (417), position (#5), usage (>10, <3, unused)",
    "aria-label": "search the codebook atlas",
    style: "width:320px;margin:4px 0",
  });
  const count = h("div", { class: "muted" });
  const results = h("div", { class: "atlas-results" });
  const panel = h("div", {});
  const pick = (e: AtlasEntryPayload) => panel.replaceChildren(detail(payload, e));
  const run = () => {
    const found = searchAtlas(payload.entries, input.value);
    count.textContent =
      found.length === 0
        ? "no code matches"
        : `${found.length} codes${found.length > MAX_CARDS ? `, the first ${MAX_CARDS} shown` : ""}`;
    results.replaceChildren(...found.slice(0, MAX_CARDS).map((e) => card(payload, e, pick)));
  };
  input.addEventListener("input", run);
  root.append(input, count, panel, results);
  run();
}
