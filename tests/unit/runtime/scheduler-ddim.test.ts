// The DDIM scheduler: contract tests (timesteps per spacing, shapes, determinism, config parsing and its errors)
// plus hand-computed steps. Expected numbers were computed separately with numpy from the DDIM formulas
// (Song et al. eq. 12) and diffusers' timestep rules, not with this implementation.

import assert from "node:assert/strict";
import { test } from "node:test";
import { createRng, randn } from "../../../model/runtime/rng";
import { DdimScheduler, parseDdimConfig, roundHalfEven } from "../../../model/runtime/scheduler-ddim";

const SD = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  steps_offset: 1,
  set_alpha_to_one: false,
  clip_sample: false,
} as const;

function close(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs((actual[i] ?? NaN) - (expected[i] ?? 0)) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
}

test("timesteps follow diffusers' leading / trailing / linspace spacing", () => {
  assert.deepEqual(new DdimScheduler({ ...SD, timestep_spacing: "leading" }).setTimesteps(4), [751, 501, 251, 1]);
  assert.deepEqual(new DdimScheduler({ ...SD, timestep_spacing: "trailing" }).setTimesteps(3), [999, 666, 332]);
  assert.deepEqual(new DdimScheduler({ ...SD, timestep_spacing: "linspace" }).setTimesteps(4), [999, 666, 333, 0]);
  assert.deepEqual([0.5, 1.5, 2.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 2, 3]);
});

test("a hand-computed epsilon step with constant betas", () => {
  // betas all 0.1 -> alphas_cumprod[t] = 0.9^(t+1); 2 of 10 steps, leading: timesteps [5, 0].
  const s = new DdimScheduler({
    num_train_timesteps: 10,
    trained_betas: new Array(10).fill(0.1),
    clip_sample: false,
    set_alpha_to_one: true,
  });
  assert.deepEqual(s.setTimesteps(2), [5, 0]);
  const aT = 0.9 ** 6,
    aPrev = 0.9 ** 1;
  const x = 1,
    eps = 0.5;
  const x0 = (x - Math.sqrt(1 - aT) * eps) / Math.sqrt(aT);
  const out = s.step(new Float32Array([eps]), 5, new Float32Array([x]));
  close(out.predOriginalSample, [x0]);
  close(out.prevSample, [Math.sqrt(aPrev) * x0 + Math.sqrt(1 - aPrev) * eps]);
  // The last step (t=0) goes to ᾱ = 1 (set_alpha_to_one): the result is the predicted x0 itself.
  const last = s.step(new Float32Array([eps]), 0, new Float32Array([x]));
  close(last.prevSample, Array.from(last.predOriginalSample));
});

test("v_prediction step on the SD-2 schedule matches numpy", () => {
  const s = new DdimScheduler({ ...SD, prediction_type: "v_prediction" });
  s.setTimesteps(4);
  const out = s.step(new Float32Array([0.1, 0.2, -0.3]), 751, new Float32Array([0.5, -1.0, 2.0]));
  close(out.predOriginalSample, [0.02085027, -0.43039703, 0.76361993], 1e-6);
  close(out.prevSample, [0.44473698, -1.01291239, 1.99496517], 1e-6);
});

test("sample prediction returns the model output as x0, and clip_sample clamps it", () => {
  const s = new DdimScheduler({ ...SD, prediction_type: "sample", clip_sample: true, clip_sample_range: 1 });
  s.setTimesteps(10);
  const out = s.step(new Float32Array([0.3, 5, -7]), s.timesteps[0] ?? 0, new Float32Array([0, 0, 0]));
  close(out.predOriginalSample, [0.3, 1, -1]);
});

test("clip_sample clamps x0 but keeps the model's epsilon in the direction term unless use_clipped_model_output", () => {
  // diffusers DDIMScheduler.step: pred_epsilon is re-derived from the clipped x_0 only when use_clipped_model_output.
  const base = new DdimScheduler({ ...SD, prediction_type: "epsilon", clip_sample: true, clip_sample_range: 1 });
  base.setTimesteps(10);
  const t = base.timesteps[2] ?? 0;
  const eps = new Float32Array([3]);
  const x = new Float32Array([2]);
  const aT = base.alphasCumprod[t] ?? 0;
  const aPrev = base.alphasCumprod[t - 100] ?? 0;
  const x0 = Math.max(-1, Math.min(1, (2 - Math.sqrt(1 - aT) * 3) / Math.sqrt(aT)));
  const kept = base.step(eps, t, x);
  close(kept.prevSample, [Math.sqrt(aPrev) * x0 + Math.sqrt(1 - aPrev) * 3], 1e-5);
  const clipped = new DdimScheduler({
    ...SD,
    prediction_type: "epsilon",
    clip_sample: true,
    clip_sample_range: 1,
    use_clipped_model_output: true,
  });
  clipped.setTimesteps(10);
  const rederived = (2 - Math.sqrt(aT) * x0) / Math.sqrt(1 - aT);
  close(clipped.step(eps, t, x).prevSample, [Math.sqrt(aPrev) * x0 + Math.sqrt(1 - aPrev) * rederived], 1e-5);
});

test("squaredcos_cap_v2 betas: cosine schedule capped at 0.999", () => {
  const s = new DdimScheduler({ beta_schedule: "squaredcos_cap_v2" });
  const beta = (t: number): number => 1 - (s.alphasCumprod[t] ?? 0) / (t === 0 ? 1 : (s.alphasCumprod[t - 1] ?? 1));
  close([beta(0), beta(500), beta(999)], [4.128422482196914e-5, 0.003155691441585007, 0.999], 1e-9);
});

test("eta > 0 needs noise, and the same noise gives the same step", () => {
  const s = new DdimScheduler(SD);
  s.setTimesteps(5);
  const t = s.timesteps[0] ?? 0;
  const x = randn(createRng(1), 16),
    m = randn(createRng(2), 16);
  assert.throws(() => s.step(m, t, x, 0.5), /eta=0.5 needs a noise array of 16 values/);
  const a = s.step(m, t, x, 0.5, randn(createRng(3), 16));
  const b = s.step(m, t, x, 0.5, randn(createRng(3), 16));
  const c = s.step(m, t, x, 0.5, randn(createRng(4), 16));
  assert.deepEqual(a.prevSample, b.prevSample);
  assert.notDeepEqual(a.prevSample, c.prevSample);
  assert.deepEqual(a.predOriginalSample, c.predOriginalSample); // noise only enters x_{t-1}
});

test("a full loop on a constant-epsilon model is deterministic and shrinks towards x0", () => {
  const run = (): Float32Array => {
    const s = new DdimScheduler(SD);
    let x = randn(createRng(7), 8);
    for (const t of s.setTimesteps(10)) x = s.step(new Float32Array(8), t, x).prevSample; // epsilon 0 -> x0 = x/sqrt(a)
    return x;
  };
  const a = run();
  assert.deepEqual(a, run());
  assert.equal(a.length, 8);
  assert.ok(a.every(Number.isFinite));
});

test("bad calls and configs are named", () => {
  const s = new DdimScheduler(SD);
  assert.throws(() => s.step(new Float32Array(2), 1, new Float32Array(2)), /before setTimesteps/);
  assert.throws(() => s.setTimesteps(0), /steps must be an integer in \[1, 1000\]/);
  s.setTimesteps(2);
  assert.throws(() => s.step(new Float32Array(2), 1, new Float32Array(3)), /modelOutput has 2 values, sample has 3/);
  assert.throws(() => s.step(new Float32Array(1), 1000, new Float32Array(1)), /timestep 1000 is outside/);
  assert.throws(
    () => parseDdimConfig({ beta_schedule: "quadratic" }),
    /field "beta_schedule" must be one of \["linear","scaled_linear","squaredcos_cap_v2"\], got "quadratic"/,
  );
  assert.throws(() => parseDdimConfig({ prediction_type: "eps" }), /prediction_type/);
  assert.throws(() => parseDdimConfig({ thresholding: true }), /thresholding/);
  assert.throws(() => parseDdimConfig([]), /top level must be a JSON object/);
  const cfg = parseDdimConfig({
    _class_name: "DDIMScheduler",
    ...SD,
    prediction_type: "v_prediction",
    timestep_spacing: "trailing",
  });
  assert.equal(cfg.prediction_type, "v_prediction");
  assert.equal(cfg.steps_offset, 1);
  assert.equal(cfg.clip_sample_range, 1);
});

test("a step count whose first timestep would fall outside the schedule is refused with the largest valid count", () => {
  // leading spacing, steps_offset 1, n = 1000 -> ratio 1 -> first timestep 999 + 1 = 1000, outside [0, 1000).
  const s = new DdimScheduler({ ...SD, timestep_spacing: "leading" });
  assert.throws(() => s.setTimesteps(1000), /steps=1000 would start at timestep 1000.*use at most 999 steps/);
  assert.equal(s.setTimesteps(999)[0], 999);
  assert.equal(s.setTimesteps(1000 - 1).length, 999);
});
