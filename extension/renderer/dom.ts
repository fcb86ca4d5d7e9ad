// Tiny DOM helpers for the renderer: element creation with attributes and children, data URLs, and a message box for
// payloads it cannot draw. Browser code: no Node, no vscode; only kernel/protocol types are imported elsewhere.

export type Child = Node | string | null | undefined | false;

/** Creates an element: h("div", { class: "x", title: "t" }, child, ...). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false) continue;
    el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

export function pngUrl(base64: string): string {
  return `data:image/png;base64,${base64}`;
}

/** Loads a base64 PNG into an HTMLImageElement (resolves once decoded). */
export function loadImage(base64: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.src = pngUrl(base64);
  return img.decode().then(() => img);
}

/** A visible explanation instead of a blank output. */
export function problem(text: string): HTMLElement {
  return h("div", { class: "seed-problem" }, text);
}

/** A token's text made visible: spaces as ␣, newlines as ⏎. */
export function visibleToken(text: string): string {
  return text.replace(/ /g, "␣").replace(/\n/g, "⏎").replace(/\t/g, "⇥") || "∅";
}
