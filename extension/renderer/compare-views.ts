// Comparisons. Decodes (application/vnd.seed.decode-comparison+json): one row per decode, a column per shared step,
// a step slider that enlarges the same step of every row side by side. Tokens (application/vnd.seed.token-comparison+json):
// A's and B's chips aligned by position with the differing positions outlined, then A, B and every single swap decoded.

import type { DecodeComparisonPayload, TokenComparisonPayload } from "../../kernel/protocol/payloads";
import { h, pngUrl } from "./dom";

export function renderDecodeComparison(p: DecodeComparisonPayload, root: HTMLElement): void {
  const steps = p.rows[0]?.frames.map((f) => f.step) ?? [];
  root.append(
    h(
      "div",
      { class: "muted" },
      `${p.rows.map((r) => r.label).join(" vs ")} · ${p.totalSteps} steps${p.caption ? ` · ${p.caption}` : ""}`,
    ),
  );
  if (steps.length === 0) return;
  const bigs = p.rows.map(() =>
    h("img", { class: "pic", width: 128, height: 128, style: "image-rendering:pixelated" }),
  );
  const label = h("div", { class: "muted" });
  const slider = h("input", {
    type: "range",
    min: 0,
    max: steps.length - 1,
    step: 1,
    value: steps.length - 1,
    "aria-label": "step",
  });
  const cells: HTMLElement[][] = p.rows.map((r) =>
    r.frames.map((f, i) => {
      const img = h("img", {
        class: "pic",
        src: pngUrl(f.image.png),
        width: 56,
        height: 56,
        title: `${r.label}, step ${f.step}`,
        style: "cursor:pointer;opacity:.6",
      });
      img.addEventListener("click", () => select(i));
      return img;
    }),
  );
  const select = (i: number) => {
    p.rows.forEach((r, k) => {
      bigs[k]!.src = pngUrl(r.frames[i]!.image.png);
    });
    const d = p.differences?.[i];
    label.textContent = `step ${steps[i]} of ${p.totalSteps}${d === undefined ? "" : ` · difference ${d}`}`;
    slider.value = String(i);
    for (const row of cells) row.forEach((c, j) => (c.style.opacity = j === i ? "1" : ".6"));
  };
  slider.addEventListener("input", () => select(Number(slider.value)));
  root.append(
    h(
      "div",
      { class: "row" },
      ...p.rows.map((r, k) => h("figure", {}, bigs[k]!, h("figcaption", { class: "muted" }, r.label))),
      h("div", {}, label, slider),
    ),
    h(
      "table",
      { style: "border-collapse:collapse;margin-top:6px" },
      h(
        "tr",
        {},
        h("td", {}),
        ...steps.map((s) => h("td", { class: "muted", style: "text-align:center" }, `step ${s}`)),
      ),
      ...p.rows.map((r, k) =>
        h(
          "tr",
          {},
          h("td", { class: "muted", style: "text-align:right;padding-right:4px" }, r.label),
          ...cells[k]!.map((c) => h("td", {}, c)),
        ),
      ),
      p.differences
        ? h(
            "tr",
            {},
            h("td", { class: "muted", style: "text-align:right" }, "difference"),
            ...p.differences.map((d) => h("td", { class: "muted", style: "text-align:center" }, String(d))),
          )
        : null,
    ),
  );
  select(steps.length - 1);
}

export function renderTokenComparison(p: TokenComparisonPayload, root: HTMLElement): void {
  const differ = new Set(p.differ);
  root.append(
    h(
      "div",
      { class: "muted" },
      `A vs B · ${p.differ.length} of ${p.a.chips.length} positions differ${p.caption ? ` · ${p.caption}` : ""}`,
    ),
  );
  const chip = (c: { id: number; color: string; textColor: string } | undefined, side: string, i: number) =>
    c
      ? h(
          "span",
          {
            class: "chip compact",
            title: `${side} #${i}: code ${c.id}`,
            style: `background:${c.color};color:${c.textColor}`,
          },
          String(c.id),
        )
      : null;
  const swapAt = new Map(p.swaps.map((s) => [s.position, s]));
  const big = h("img", { class: "pic", width: 128, height: 128, style: "image-rendering:pixelated" });
  const bigLabel = h("div", { class: "muted" });
  const show = (i: number) => {
    const s = swapAt.get(i);
    if (!s) return;
    big.src = pngUrl(s.image.png);
    bigLabel.textContent = `A with B's code ${s.to} at #${i} (A has ${s.from}) · change ${s.change}`;
  };
  const columns = p.a.chips.map((c, i) => {
    const col = h(
      "div",
      {
        class: `cmp-col${differ.has(i) ? " differ" : ""}`,
        style: `display:flex;flex-direction:column;gap:2px;padding:1px;border-radius:4px;${differ.has(i) ? "outline:2px solid var(--vscode-focusBorder);cursor:pointer" : "opacity:.45"}`,
      },
      h("span", { class: "muted", style: "font-size:9px;text-align:center" }, `#${i}`),
      chip(c, "A", i),
      chip(p.b.chips[i], "B", i),
    );
    if (differ.has(i)) col.addEventListener("mouseenter", () => show(i));
    return col;
  });
  root.append(h("div", { class: "row", style: "gap:3px" }, ...columns));
  const fig = (png: string, label: string) =>
    h(
      "figure",
      {},
      h("img", { class: "pic", src: pngUrl(png), width: 96, height: 96 }),
      h("figcaption", { class: "muted" }, label),
    );
  const ends = [p.decodedA ? fig(p.decodedA.png, "A") : null, p.decodedB ? fig(p.decodedB.png, "B") : null];
  if (p.swaps.length > 0) {
    root.append(
      h("div", { class: "row", style: "margin-top:6px" }, ...ends, h("figure", {}, big, h("figcaption", {}, bigLabel))),
    );
    const maxChange = Math.max(1, ...p.swaps.map((s) => s.change));
    root.append(
      h(
        "div",
        { class: "muted", style: "margin-top:6px" },
        "each differing position swapped alone (hover a column above, or see all here); bar: mean pixel change from A's decode",
      ),
      h(
        "div",
        { class: "row", style: "gap:6px" },
        ...p.swaps.map((s) =>
          h(
            "figure",
            {},
            h("img", {
              class: "pic",
              src: pngUrl(s.image.png),
              width: 64,
              height: 64,
              title: `#${s.position}: ${s.from}→${s.to}`,
            }),
            h("figcaption", { class: "muted", style: "font-size:10px" }, `#${s.position} · ${s.change}`),
            h("div", {
              style: `height:4px;width:${Math.round((s.change / maxChange) * 64)}px;background:var(--vscode-charts-orange, #d18616)`,
            }),
          ),
        ),
      ),
    );
    show(p.swaps.reduce((a, b) => (b.change > a.change ? b : a)).position);
  } else if (ends.some((e) => e)) root.append(h("div", { class: "row" }, ...ends));
}
