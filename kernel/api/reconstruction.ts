// Reconstruction: the result of decoding tokens into an image, with the settings used and the denoising frames.
// Renders as original vs reconstruction (plus the token strip) when the original is known, else the image alone.

import { filmstripBundle } from "../display/filmstrip";
import type { ImageInput } from "../display/image-payload";
import { comparisonBundle } from "../display/image-view";
import type { MimeBundle } from "../protocol/mime";
import type { DenoisingFrame, Reconstruction, SeedDisplayable, SeedImage, Tokens } from "./seed";
import type { TokensImpl } from "./tokens";

export interface ReconstructionInit {
  image: SeedImage;
  tokens: TokensImpl;
  original: SeedImage | undefined;
  steps: number;
  guidance: number;
  seed: number;
  frames: DenoisingFrame[];
}

/** "25 steps · guidance 3 · seed 0 · first 8 tokens". */
export function decodeCaption(steps: number, guidance: number, seed: number, tokens: Tokens): string {
  const prefix = tokens.isPrefix ? ` · first ${tokens.length} of ${tokens.numTokens} tokens` : "";
  return `${steps} steps · guidance ${guidance} · seed ${seed}${prefix}`;
}

/** A displayable made from a bundle function (filmstrips, probability charts). */
export class View implements SeedDisplayable {
  readonly #bundle: () => MimeBundle;
  readonly #text: string;
  constructor(bundle: () => MimeBundle, text: string) {
    this.#bundle = bundle;
    this.#text = text;
    Object.freeze(this);
  }
  toMimeBundle(): MimeBundle {
    return this.#bundle();
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#text;
  }
}

function asInput(image: SeedImage): ImageInput {
  return { png: image.png, label: image.label };
}

export class ReconstructionImpl implements Reconstruction {
  readonly image: SeedImage;
  readonly tokens: Tokens;
  readonly original: SeedImage | undefined;
  readonly steps: number;
  readonly guidance: number;
  readonly seed: number;
  readonly frames: readonly DenoisingFrame[];
  readonly #tokens: TokensImpl;

  constructor(init: ReconstructionInit) {
    this.image = init.image;
    this.tokens = init.tokens;
    this.#tokens = init.tokens;
    this.original = init.original;
    this.steps = init.steps;
    this.guidance = init.guidance;
    this.seed = init.seed;
    this.frames = Object.freeze([...init.frames]);
    Object.freeze(this);
  }

  get caption(): string {
    return decodeCaption(this.steps, this.guidance, this.seed, this.tokens);
  }

  filmstrip(): SeedDisplayable {
    const frames = this.frames.map((f) => ({ step: f.step, timestep: f.timestep, image: asInput(f.image) }));
    if (frames.length === 0 || frames[frames.length - 1]!.step !== this.steps) {
      frames.push({ step: this.steps, timestep: 0, image: asInput(this.image) });
    }
    return new View(
      () => filmstripBundle({ frames, totalSteps: this.steps, done: true, caption: this.caption }),
      `Filmstrip(${frames.length} frames)`,
    );
  }

  toMimeBundle(): MimeBundle {
    const images = this.original ? [asInput(this.original), asInput(this.image)] : [asInput(this.image)];
    return comparisonBundle({ images, caption: this.caption, tokens: this.#tokens.stripInput() });
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Reconstruction { ${this.caption}, ${this.image.width}x${this.image.height} }`;
  }
}
