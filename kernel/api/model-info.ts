// seed.info(): the loaded model's name, folder, execution provider (in plain words, with what to do when "auto" found
// no GPU: provider-text.ts) and sizes, as a small table. The folder is shown relative to the notebook when it is near
// it (a saved notebook then names no folder of the machine that ran it).

import { isAbsolute, relative } from "node:path";
import { escapeHtml, frame } from "../display/html";
import type { MimeBundle } from "../protocol/mime";
import { MIME } from "../protocol/mime";
import type { RuntimeModelInfo } from "./model-port";
import type { ProviderText } from "./provider-text";
import { languageModelText, providerLine, providerText } from "./provider-text";
import type { ModelInfo } from "./seed";

/** `dir` as seen from `cwd`: relative when it is inside it or at most two folders up, else as given. */
export function shownFolder(dir: string, cwd: string): string {
  const rel = relative(cwd, dir);
  if (rel === "") return ".";
  const ups = rel.split(/[\\/]/).filter((p) => p === "..").length;
  return isAbsolute(rel) || ups > 2 ? dir : rel;
}

export class ModelInfoImpl implements ModelInfo {
  readonly name: string;
  readonly path: string;
  readonly executionProvider: string;
  readonly providerReason: string;
  readonly imageSize: readonly [number, number];
  readonly numTokens: number;
  readonly codebookSize: number;
  readonly patchGrid: readonly [number, number];
  readonly supportsPrefix: boolean;
  readonly decodeDefaults: { readonly steps: number; readonly guidance: number };
  readonly hasLanguageModel: boolean;
  readonly languageModel: string;
  readonly #provider: ProviderText;

  readonly #folder: string;

  /** `cwd`: the notebook's folder, for showing the model folder relative to it. */
  constructor(info: RuntimeModelInfo, cwd?: string) {
    this.name = info.name;
    this.path = info.dir;
    this.executionProvider = info.provider.name;
    this.providerReason = providerLine(info.provider);
    this.#provider = providerText(info.provider);
    this.imageSize = Object.freeze([info.imageSize[0], info.imageSize[1]] as const);
    this.numTokens = info.numTokens;
    this.codebookSize = info.codebookSize;
    this.patchGrid = Object.freeze([info.patchGrid[0], info.patchGrid[1]] as const);
    this.supportsPrefix = info.supportsTokenMask;
    this.decodeDefaults = Object.freeze({
      steps: info.decodeDefaults.steps,
      guidance: info.decodeDefaults.guidanceScale,
    });
    this.hasLanguageModel = info.hasLanguageModel;
    this.languageModel = languageModelText(info.languageModel);
    this.#folder = cwd === undefined ? info.dir : shownFolder(info.dir, cwd);
    Object.freeze(this);
  }

  #rows(): [string, string][] {
    return [
      ["model", this.name],
      ["folder", this.#folder],
      ["execution provider", this.#provider.summary],
      ...(this.#provider.action ? [["to use a GPU", this.#provider.action] as [string, string]] : []),
      ["image size", `${this.imageSize[0]}x${this.imageSize[1]}`],
      ["tokens per image", String(this.numTokens)],
      ["codebook size", String(this.codebookSize)],
      ["patch grid", `${this.patchGrid[0]}x${this.patchGrid[1]}`],
      ["prefix decoding", this.supportsPrefix ? "yes" : "no"],
      ["decode defaults", `${this.decodeDefaults.steps} steps, guidance ${this.decodeDefaults.guidance}`],
      ["language model", this.languageModel],
    ];
  }

  toMimeBundle(): MimeBundle {
    const rows = this.#rows()
      .map(
        ([k, v]) =>
          `<tr><td style="opacity:.7;padding:1px 12px 1px 0">${escapeHtml(k)}</td><td style="font-family:ui-monospace,monospace">${escapeHtml(v)}</td></tr>`,
      )
      .join("");
    return {
      [MIME.html]: frame("", `<table style="border-collapse:collapse">${rows}</table>`),
      [MIME.plain]: this.#rows()
        .map(([k, v]) => `${k}: ${v}`)
        .join("\n"),
    };
  }
}
