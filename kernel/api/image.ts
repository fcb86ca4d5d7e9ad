// SeedImage: an immutable image value (PNG bytes + size + label) that renders as itself. It remembers what the
// encoder needs (the runtime's LoadedImage) once computed, so tokenizing the same image twice reads it once.

import { encodeRgbPng } from "../../model/runtime/png";
import { imageBundle } from "../display/image-view";
import { pngSize } from "../display/to-mime-bundle";
import type { MimeBundle } from "../protocol/mime";
import type { LoadedImage, ModelProxy, RgbImage } from "./model-port";
import type { SeedImage } from "./seed";

export class SeedImageImpl implements SeedImage {
  readonly width: number;
  readonly height: number;
  readonly png: Uint8Array;
  readonly label: string;
  /** The encoder-ready pixels, when this image came through runtime.loadImage (or after the first tokenize). */
  #loaded: LoadedImage | undefined;

  constructor(png: Uint8Array, label: string, loaded?: LoadedImage) {
    const { width, height } = pngSize(png);
    this.png = png;
    this.width = width;
    this.height = height;
    this.label = label;
    this.#loaded = loaded;
    Object.freeze(this);
  }

  /** From a runtime RGB image ([H, W, 3]). */
  static fromRgb(image: RgbImage, label: string, loaded?: LoadedImage): SeedImageImpl {
    return new SeedImageImpl(encodeRgbPng(image.width, image.height, image.data), label, loaded);
  }

  /** From what runtime.loadImage returned: shows what the encoder sees. */
  static fromLoaded(loaded: LoadedImage, label: string): SeedImageImpl {
    return SeedImageImpl.fromRgb(loaded.preview, label, loaded);
  }

  withLabel(label: string): SeedImage {
    return new SeedImageImpl(this.png, String(label), this.#loaded);
  }

  /** The encoder-ready form (internal: not part of the cell-facing API). */
  async loadedFor(model: ModelProxy): Promise<LoadedImage> {
    return this.#loaded ?? model.loadImage(this.png);
  }

  toMimeBundle(): MimeBundle {
    return imageBundle({ png: this.png, label: this.label });
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `SeedImage { label: ${JSON.stringify(this.label)}, ${this.width}x${this.height} }`;
  }
}
