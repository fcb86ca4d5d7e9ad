// Image resizing exactly as Pillow's Image.resize does it for 8-bit RGB (libImaging/Resample.c), which is what
// SEED's torchvision Resize((224, 224), BICUBIC) runs on a PIL image: separable convolution, horizontal pass first
// into an 8-bit intermediate, then vertical; the kernel is widened by the scale when shrinking (antialiasing);
// coefficients are normalised per output pixel and rounded to fixed point (22 fractional bits), sums rounded and
// clamped to 0..255. NEAREST follows Pillow's affine nearest-neighbour sampling at pixel centres.

const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;

interface Filter {
  readonly support: number;
  at(x: number): number;
}

const FILTERS: Readonly<Record<"bilinear" | "bicubic", Filter>> = {
  bilinear: { support: 1, at: (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0) },
  bicubic: {
    support: 2,
    at: (xIn) => {
      const a = -0.5;
      const x = Math.abs(xIn);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
};

interface Coeffs {
  readonly ksize: number;
  readonly bounds: Int32Array; // [out * 2]: first source index, count
  readonly weights: Int32Array; // [out * ksize], fixed point
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis (the whole source, no box). */
function coeffs(inSize: number, outSize: number, filter: Filter): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.at((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      const v = x < xmax && ww !== 0 ? (k[x] ?? 0) / ww : x < xmax ? (k[x] ?? 0) : 0;
      weights[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(ss: number): number {
  const v = Math.floor(ss / ONE);
  return v < 0 ? 0 : Math.min(v, 255);
}

/** RGB bytes [H, W, 3] -> [outH, outW, 3] with Pillow's algorithm. */
export function resizeRgb(
  src: Uint8Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
  kind: "bilinear" | "bicubic" | "nearest",
): Uint8Array {
  if (w === outW && h === outH) return Uint8Array.from(src);
  if (kind === "nearest") return nearest(src, w, h, outW, outH);
  const filter = FILTERS[kind];
  let cur = src;
  let curW = w;
  let curH = h;
  const vert = coeffs(h, outH, filter);
  if (outW !== w) {
    // Only the source rows the vertical pass reads are resampled horizontally (Pillow's ybox_first..ybox_last).
    const first = vert.bounds[0] ?? 0;
    const last = (vert.bounds[outH * 2 - 2] ?? 0) + (vert.bounds[outH * 2 - 1] ?? 0);
    const hz = coeffs(w, outW, filter);
    const rows = last - first;
    const tmp = new Uint8Array(outW * rows * 3);
    for (let y = 0; y < rows; y++) {
      const rowIn = (y + first) * w * 3;
      for (let xx = 0; xx < outW; xx++) {
        const xmin = hz.bounds[xx * 2] ?? 0;
        const n = hz.bounds[xx * 2 + 1] ?? 0;
        let s0 = ONE / 2;
        let s1 = ONE / 2;
        let s2 = ONE / 2;
        for (let x = 0; x < n; x++) {
          const kk = hz.weights[xx * hz.ksize + x] ?? 0;
          const p = rowIn + (x + xmin) * 3;
          s0 += (cur[p] ?? 0) * kk;
          s1 += (cur[p + 1] ?? 0) * kk;
          s2 += (cur[p + 2] ?? 0) * kk;
        }
        const o = (y * outW + xx) * 3;
        tmp[o] = clip8(s0);
        tmp[o + 1] = clip8(s1);
        tmp[o + 2] = clip8(s2);
      }
    }
    for (let i = 0; i < outH; i++) vert.bounds[i * 2] = (vert.bounds[i * 2] ?? 0) - first;
    cur = tmp;
    curW = outW;
    curH = rows;
  }
  if (outH === h && curH === h) return cur;
  const out = new Uint8Array(outW * outH * 3);
  for (let yy = 0; yy < outH; yy++) {
    const ymin = vert.bounds[yy * 2] ?? 0;
    const n = vert.bounds[yy * 2 + 1] ?? 0;
    for (let xx = 0; xx < curW; xx++) {
      let s0 = ONE / 2;
      let s1 = ONE / 2;
      let s2 = ONE / 2;
      for (let y = 0; y < n; y++) {
        const kk = vert.weights[yy * vert.ksize + y] ?? 0;
        const p = ((y + ymin) * curW + xx) * 3;
        s0 += (cur[p] ?? 0) * kk;
        s1 += (cur[p + 1] ?? 0) * kk;
        s2 += (cur[p + 2] ?? 0) * kk;
      }
      const o = (yy * outW + xx) * 3;
      out[o] = clip8(s0);
      out[o + 1] = clip8(s1);
      out[o + 2] = clip8(s2);
    }
  }
  return out;
}

/** Pillow's NEAREST resize: the source pixel under each output pixel's centre. */
function nearest(src: Uint8Array, w: number, h: number, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(h - 1, Math.floor((y + 0.5) * (h / outH)));
    for (let x = 0; x < outW; x++) {
      const sx = Math.min(w - 1, Math.floor((x + 0.5) * (w / outW)));
      const i = (sy * w + sx) * 3;
      out.set(src.subarray(i, i + 3), (y * outW + x) * 3);
    }
  }
  return out;
}
