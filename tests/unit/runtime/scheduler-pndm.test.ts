// PNDM (PLMS, skip_prk_steps) against values derived by hand from diffusers' definitions: Stable Diffusion's
// scaled_linear schedule (alphas_cumprod[0] = 1 - 0.00085, alphas_cumprod[999] = 0.0046601), the PLMS timestep list
// (first timestep evaluated twice), and trajectory exactness: formula (9) moves x_t = sqrt(a_t) x0 + sqrt(1 - a_t) eps
// to the same trajectory at the previous timestep when the model output is the true eps, and every multistep
// combination of equal outputs is that output again (coefficients sum to 1), so a full run ends exactly on it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { SeedError } from "../../../model/runtime/errors";
import { createScheduler, parseSchedulerConfig } from "../../../model/runtime/scheduler";
import { PndmScheduler, parsePndmConfig } from "../../../model/runtime/scheduler-pndm";
import { SD_PNDM } from "../../helpers/scheduler-configs";

const SD = SD_PNDM;

test("scaled_linear alphas_cumprod: first and last values of Stable Diffusion's schedule", () => {
  const s = new PndmScheduler(parsePndmConfig(SD));
  assert.ok(Math.abs((s.alphasCumprod[0] ?? 0) - 0.99915) < 1e-12);
  assert.ok(Math.abs((s.alphasCumprod[999] ?? 0) - 0.0046601) < 1e-6, `${s.alphasCumprod[999]}`);
  assert.equal(s.finalAlphaCumprod, s.alphasCumprod[0]);
});

test("PLMS timesteps: leading spacing + offset, descending, the second one repeated (n + 1 evaluations)", () => {
  const s = new PndmScheduler(parsePndmConfig(SD));
  const ts = s.setTimesteps(20);
  assert.equal(ts.length, 21);
  assert.deepEqual(ts.slice(0, 4), [951, 901, 901, 851]);
  assert.deepEqual(ts.slice(-2), [51, 1]);
  assert.deepEqual(
    new PndmScheduler(parsePndmConfig({ ...SD, steps_offset: 0 })).setTimesteps(4),
    [750, 500, 500, 250, 0],
  );
});

test("a full run with the true eps stays on the trajectory and ends at sqrt(a0) x0 + sqrt(1 - a0) eps", () => {
  const s = new PndmScheduler(parsePndmConfig(SD));
  const x0 = Float32Array.from([0.5, -1, 0.25]);
  const eps = Float32Array.from([1, 0.3, -2]);
  const on = (a: number): Float32Array => x0.map((v, i) => Math.sqrt(a) * v + Math.sqrt(1 - a) * (eps[i] ?? 0));
  const ts = s.setTimesteps(10);
  let x = on(s.alphasCumprod[ts[0] ?? 0] ?? 0);
  for (const t of ts) x = s.step(eps, t, x).prevSample;
  const want = on(s.finalAlphaCumprod);
  x.forEach((v, i) => assert.ok(Math.abs(v - (want[i] ?? 0)) < 1e-5, `x[${i}] = ${v}, expected ${want[i]}`));
});

test("v-prediction: the first step with the true v equals the DDIM transfer to the previous timestep", () => {
  const s = new PndmScheduler(parsePndmConfig({ ...SD, prediction_type: "v_prediction" }));
  const [t] = s.setTimesteps(20);
  const a = s.alphasCumprod[t ?? 0] ?? 0;
  const aPrev = s.alphasCumprod[(t ?? 0) - 50] ?? 0;
  const x0 = 0.7;
  const eps = -0.4;
  const xt = Math.sqrt(a) * x0 + Math.sqrt(1 - a) * eps;
  const v = Math.sqrt(a) * eps - Math.sqrt(1 - a) * x0;
  const out = s.step(Float32Array.of(v), t ?? 0, Float32Array.of(xt));
  assert.ok(Math.abs((out.prevSample[0] ?? 0) - (Math.sqrt(aPrev) * x0 + Math.sqrt(1 - aPrev) * eps)) < 1e-6);
  assert.ok(Math.abs((out.predOriginalSample[0] ?? 0) - x0) < 1e-6);
});

test("the second evaluation of the first timestep averages with the first output and restarts from x_T", () => {
  const s = new PndmScheduler(parsePndmConfig(SD));
  const ts = s.setTimesteps(20);
  const xT = Float32Array.of(1);
  s.step(Float32Array.of(0.2), ts[0] ?? 0, xT);
  const second = s.step(Float32Array.of(0.6), ts[1] ?? 0, Float32Array.of(123)); // the sample passed here is ignored
  const ref = new PndmScheduler(parsePndmConfig(SD));
  ref.setTimesteps(20);
  const euler = ref.step(Float32Array.of(0.4), ts[0] ?? 0, xT); // one step from x_T with the mean output
  assert.ok(Math.abs((second.prevSample[0] ?? 0) - (euler.prevSample[0] ?? 0)) < 1e-7);
});

test("config: _class_name picks the scheduler; PNDM refuses PRK steps and eta > 0", () => {
  assert.equal(createScheduler(parseSchedulerConfig(SD)).kind, "pndm");
  assert.equal(createScheduler(parseSchedulerConfig({ ...SD, _class_name: "DDIMScheduler" })).kind, "ddim");
  assert.equal(createScheduler(parseSchedulerConfig({ beta_schedule: "linear" })).kind, "ddim");
  assert.throws(() => parseSchedulerConfig({ ...SD, _class_name: "EulerDiscreteScheduler" }), /_class_name/);
  assert.throws(() => parsePndmConfig({ ...SD, skip_prk_steps: false }), /skip_prk_steps.*true/);
  const s = new PndmScheduler(parsePndmConfig(SD));
  const [t] = s.setTimesteps(5);
  assert.throws(
    () => s.step(Float32Array.of(0), t ?? 0, Float32Array.of(0), 0.5),
    (e: unknown) => e instanceof SeedError && /eta/.test(e.message),
  );
});
