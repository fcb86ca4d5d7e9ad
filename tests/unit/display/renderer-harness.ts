// The VS Code renderer (extension/renderer) in a happy-dom window, activated as VS Code activates it. The renderer is
// browser code (DOM lib), so it is imported by path at runtime to keep the tests' types Node-only; El is the part of
// the DOM the tests read.

import { Window } from "happy-dom";

export interface El {
  shadowRoot: {
    querySelector(s: string): El | null;
    querySelectorAll(s: string): ArrayLike<El>;
    textContent: string | null;
  } | null;
  textContent: string | null;
  getAttribute(name: string): string | null;
  classList: { contains(c: string): boolean };
  dispatchEvent(e: unknown): boolean;
  disabled?: boolean;
  value?: string;
}

export interface RendererApi {
  renderOutputItem(
    item: { id: string; mime: string; json(): unknown; text(): string },
    element: unknown,
  ): Promise<void>;
}

export const win = new Window();
Object.assign(globalThis, { document: win.document, Image: win.Image });
const rendererPath = "../../../extension/renderer/index.ts";

/** activate(ctx) of a trusted workspace; `ctx` adds or overrides what VS Code passes (e.g. messaging). */
export async function activateRenderer(ctx: object = {}): Promise<RendererApi> {
  return ((await import(rendererPath)) as { activate(ctx: unknown): RendererApi }).activate({
    workspace: { isTrusted: true },
    ...ctx,
  });
}

/** Renders one output item into a fresh element, as VS Code does. */
export async function renderItem(renderer: RendererApi, mime: string, payload: unknown): Promise<El> {
  const el = win.document.createElement("div") as unknown as El;
  await renderer.renderOutputItem({ id: "x", mime, json: () => payload, text: () => JSON.stringify(payload) }, el);
  return el;
}
