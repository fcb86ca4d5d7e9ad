// The benchmark's inputs, made once and shared by every implementation so that all of them run the same data:
// 16 images read through the runtime's loader (notebooks/assets, repeated), the 32 codes of the first image, and a
// 256-id prompt from the package's text tokenizer. Written to the work folder for the PyTorch baseline:
//   pixels16.f32   float32 [16, 3, H, W], row-major, the normalised encoder input
//   inputs.json    { image_size, codes, prompt_ids, has_language_model, guidance_scale, latent_shape, latent_scaling_factor }

import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadedImage, SeedModel } from "../model/runtime";

export interface BenchInputs {
  readonly images: readonly LoadedImage[]; // 16 images, each pixels [1, 3, H, W]
  readonly pixels16: Float32Array; // [16, 3, H, W]
  readonly codes: readonly number[]; // [N] codes of image 0 (from our tokenizer)
  readonly promptIds: readonly number[]; // [256] or [] without a language model
}

const PROMPT_TEXT =
  "USER: Draw a red fox sitting in the snow under a night sky with a yellow star, then describe the picture. " +
  "ASSISTANT: A small red fox sits on white snow; above it a dark blue sky holds one bright yellow star. ";

export async function makeInputs(
  model: SeedModel,
  assetsDir: string,
  workDir: string,
  contextLength: number,
): Promise<BenchInputs> {
  const files = readdirSync(assetsDir)
    .filter((f) => f.endsWith(".png"))
    .sort();
  if (files.length === 0) throw new Error(`no .png images in ${assetsDir}; the benchmark reads its images from there`);
  const distinct = await Promise.all(files.map((f) => model.loadImage(join(assetsDir, f))));
  const images = Array.from({ length: 16 }, (_, i) => distinct[i % distinct.length] as LoadedImage);
  const per = images[0]?.pixels.data.length ?? 0;
  const pixels16 = new Float32Array(16 * per); // [16, 3, H, W]
  images.forEach((img, b) => pixels16.set(img.pixels.data, b * per));
  const codes = (await model.tokenize(images[0] as LoadedImage)).ids[0] ?? [];

  let promptIds: number[] = [];
  if (model.info.hasLanguageModel) {
    let text = PROMPT_TEXT;
    let ids = await model.encodeText(text);
    while (ids.length < contextLength) {
      text += PROMPT_TEXT;
      ids = await model.encodeText(text);
    }
    promptIds = ids.slice(0, contextLength);
  }

  mkdirSync(workDir, { recursive: true });
  writeFileSync(join(workDir, "pixels16.f32"), Buffer.from(pixels16.buffer, pixels16.byteOffset, pixels16.byteLength));
  const dec = model.manifest.image_decoder;
  const inputs = {
    image_size: model.info.imageSize,
    codes,
    prompt_ids: promptIds,
    has_language_model: model.info.hasLanguageModel,
    guidance_scale: dec.defaults.guidance_scale,
    latent_shape: dec.latent_shape,
    latent_scaling_factor: dec.latent_scaling_factor,
  };
  writeFileSync(join(workDir, "inputs.json"), `${JSON.stringify(inputs)}\n`);
  return { images, pixels16, codes, promptIds };
}
