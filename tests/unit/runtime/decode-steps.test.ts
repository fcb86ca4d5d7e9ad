// The denoising loop's step events count the steps that were asked for, whatever the scheduler: PNDM makes n + 1
// model calls for n steps (its first timestep is evaluated twice), and its warm-up call is part of step 1, so a
// 20-step decode reports steps 1..20 of 20 (the filmstrip showed "step 21 of 20"). The scheduler and the loop are
// the real ones; the ONNX parts are stand-ins that count their calls.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Denoiser } from "../../../model/runtime/denoiser";
import type { Detokenizer } from "../../../model/runtime/detokenizer";
import type { LatentDecoder } from "../../../model/runtime/latent-decoder";
import { type DecodeParts, decodeImage } from "../../../model/runtime/pipeline-decode";
import { createScheduler, parseSchedulerConfig } from "../../../model/runtime/scheduler";
import type { DecodeStepEvent, FloatTensor } from "../../../model/runtime/types";
import { SD_PNDM } from "../../helpers/scheduler-configs";

const PNDM = SD_PNDM;
const DDIM = { ...SD_PNDM, _class_name: "DDIMScheduler", clip_sample: false };

function parts(config: Record<string, unknown>, calls: { denoiser: number }): DecodeParts {
  const [C, h, w] = [2, 2, 2];
  const detokenizer = {
    embed: async (): Promise<FloatTensor> => ({ dims: [1, 3], data: new Float32Array(3).fill(0.5) }),
  };
  const denoiser = {
    predict: async (sample: FloatTensor): Promise<FloatTensor> => {
      calls.denoiser++;
      return { dims: sample.dims, data: sample.data.map((v) => v * 0.1) };
    },
  };
  const latentDecoder = {
    decode: async (): Promise<FloatTensor> => ({ dims: [1, 3, 2, 2], data: new Float32Array(12) }),
  };
  return {
    detokenizer: detokenizer as unknown as Detokenizer,
    denoiser: denoiser as unknown as Denoiser,
    latentDecoder: latentDecoder as unknown as LatentDecoder,
    scheduler: createScheduler(parseSchedulerConfig(config)),
    spec: {
      latent_shape: [C, h, w],
      latent_scaling_factor: 1,
      output_size: [2, 2],
      scheduler_config: "scheduler_config.json",
      unconditional_embedding: "zeros",
      defaults: { steps: 20, guidance_scale: 1, eta: 0 },
    },
  };
}

for (const [name, config, modelCalls] of [
  ["PNDM", PNDM, 21],
  ["DDIM", DDIM, 20],
] as const) {
  test(`${name}: a 20-step decode reports steps 0..19 of 20, with a preview on the last one`, async () => {
    const calls = { denoiser: 0 };
    const events: DecodeStepEvent[] = [];
    await decodeImage(parts(config, calls), [1, 2, 3], {
      steps: 20,
      guidanceScale: 1,
      previewEvery: 8,
      onStep: (e) => events.push(e),
    });
    assert.equal(calls.denoiser, modelCalls);
    assert.deepEqual(
      events.map((e) => e.step),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.ok(events.every((e) => e.totalSteps === 20));
    assert.deepEqual(
      events.filter((e) => e.preview).map((e) => e.step),
      [0, 8, 16, 19],
    );
  });
}
