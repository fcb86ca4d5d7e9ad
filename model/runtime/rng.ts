// A small seeded random number generator: mulberry32 for uniforms and Box-Muller for standard normals. Passed
// explicitly to whatever needs randomness (sampler, diffusion noise), never held in module state, so the same seed
// gives the same image and the same text. Not cryptographic.

export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
}

/** mulberry32 (Tommy Ettinger), 32-bit state; seeds are reduced to uint32. */
export function createRng(seed: number): Rng {
  let state = Math.trunc(seed) >>> 0;
  let spare: number | undefined;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    // Box-Muller: two uniforms -> two independent normals; 1 - u keeps the log argument in (0, 1].
    const u1 = 1 - uniform();
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
  return { uniform, normal };
}

/** A Float32Array of n standard normals. */
export function randn(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}
