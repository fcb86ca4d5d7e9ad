// bench/lm-protocol.ts (which ids each LM operation feeds), bench/parity.ts (same-weights check) and
// bench/report.ts (ratios of medians, goals marked pass/miss, skip reasons shown, kernel goals).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type LmDriver, lmOps, lmSkipReason } from "../../../bench/lm-protocol";
import type { Machine } from "../../../bench/machine";
import { codeAgreement, maxAbsDiff, parityNotes } from "../../../bench/parity";
import { type Report, renderReport } from "../../../bench/report";
import type { Cell } from "../../../bench/types";

function recordingLm(): { lm: LmDriver; calls: (string | number[])[] } {
  const calls: (string | number[])[] = [];
  return {
    calls,
    lm: {
      reset: () => void calls.push("reset"),
      forward: async (ids) => void calls.push([...ids]),
    },
  };
}

describe("bench LM protocol", () => {
  const ids = Array.from({ length: 256 }, (_, i) => 1000 + i);

  it("decodeC prefills C-4 ids untimed, then times the 4 single-id steps up to context C", async () => {
    const { lm, calls } = recordingLm();
    const ops = lmOps(lm, ids);
    const ms = await ops["lm.decode128"]?.();
    assert.equal(ms?.length, 4);
    assert.equal(calls[0], "reset");
    assert.deepEqual(calls[1], ids.slice(0, 124));
    assert.deepEqual(calls.slice(2), [[1124], [1125], [1126], [1127]]);
  });

  it("prefill64 and nocacheC run one forward from an empty cache", async () => {
    const { lm, calls } = recordingLm();
    const ops = lmOps(lm, ids);
    assert.equal((await ops["lm.prefill64"]?.())?.length, 1);
    assert.equal((await ops["lm.nocache256"]?.())?.length, 1);
    assert.deepEqual(calls, ["reset", ids.slice(0, 64), "reset", ids]);
  });

  it("a short context gets no ops beyond it, with a reason", () => {
    const ops = lmOps(recordingLm().lm, ids.slice(0, 64));
    assert.ok(ops["lm.decode32"] && ops["lm.nocache32"] && ops["lm.prefill64"]);
    assert.equal(ops["lm.decode128"], undefined);
    assert.equal(lmSkipReason("lm.decode128", 64), "not measured: the model's context is 64 positions");
    assert.equal(lmSkipReason("lm.decode32", 64), undefined);
    assert.equal(lmSkipReason("tokenize.b1", 64), undefined);
    assert.throws(() => lmOps(recordingLm().lm, ids.slice(0, 10)), /needs at least 64 prompt ids/);
  });
});

describe("bench parity", () => {
  it("counts equal codes and the largest logit difference", () => {
    assert.deepEqual(
      codeAgreement(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        [
          [1, 2, 0],
          [4, 5, 6],
        ],
      ),
      { equal: 5, total: 6 },
    );
    assert.throws(() => codeAgreement([[1]], [[1], [2]]), /batch size/);
    assert.equal(maxAbsDiff(new Float32Array([1, 2, 3]), [1, 2.5, 2]), 1);
    // Both sides round the LM weights to fp16 the same way, so the same weights agree to ~1e-5 (bound: 1e-3).
    const notes = parityNotes(
      { ids16: [[1, 2]], logits: new Float32Array([0, 1]) },
      { ids16: [[1, 2]], prefill64_logits: [0, 1.0005] },
    );
    assert.match(notes[0] ?? "", /2\/2 codes/);
    assert.match(notes[1] ?? "", /= 5\.00e-4/);
    const fp32Torch = parityNotes(
      { ids16: [[1, 2]], logits: new Float32Array([0, 1]) },
      { ids16: [[1, 2]], prefill64_logits: [0, 1.005] },
    );
    assert.match(
      fp32Torch[1] ?? "",
      /= 5\.00e-3.*The weights differ/,
      "an unrounded torch checkpoint (5e-3 off) is flagged",
    );
    assert.match(parityNotes({ ids16: [[1]] }, {}).join(" "), /not done/);
    const differ = parityNotes(
      { ids16: [[1, 2, 3]], logits: new Float32Array([0]) },
      { ids16: [[1, 0, 0]], prefill64_logits: [0.5] },
    );
    assert.match(differ[0] ?? "", /1\/3 codes.*The weights differ/);
    assert.match(differ[1] ?? "", /The weights differ/);
    assert.doesNotMatch(notes.join(" "), /weights differ/);
  });
});

const ms = (...v: number[]): Cell => ({ samples: { ms: v, warmup: 1 } });

function report(): Report {
  const machine: Machine = {
    cpu: "Test CPU",
    cores: 2,
    ramGiB: 24,
    os: "TestOS",
    node: process.version,
    ort: "onnxruntime-node 1.30.0",
    blas: "openblas",
    gpu: null,
    loadStart: [1, 1, 1],
  };
  return {
    date: "2026-01-01T00:00:00Z",
    command: "npm run bench",
    machine,
    loadEnd: [2, 2, 2],
    wallSeconds: 100,
    settings: {
      modelDir: "/m",
      threads: 2,
      workDir: "/w",
      reps: { image: 3, decode: 3, lm: 3, kernelCells: 200, kernelStarts: 3 },
    },
    modelNote: "model/seed-mini",
    torchVersions: { torch: "1.13", python: "3.11", torch_threads: 2, openblas_num_threads: "1" },
    cells: {
      inproc: { "tokenize.b1": ms(10, 10, 10), "decode.25": ms(100, 100, 100), "lm.decode32": ms(1, 1, 1) },
      worker: { "tokenize.b1": ms(12, 12, 12), "decode.25": { skipped: "not measured: worker broke" } },
      raw: { "tokenize.b1": ms(10, 10, 10), "decode.25": ms(80, 80, 80), "lm.decode32": ms(1, 1, 1) },
      torch: { "tokenize.b1": ms(16, 16, 16), "decode.25": ms(120, 120, 120), "lm.decode32": ms(1.5, 1.5, 1.5) },
    },
    loadMs: { inproc: ms(500), worker: ms(900) },
    kernel: {
      rpc: {
        startToFirstMs: [3000, 3100, 3200],
        emptyCellMs: [4, 4, 4],
        exprCellMs: [9, 9, 9],
        rssAfter10: 100 * 2 ** 20,
        rssAfterN: 101 * 2 ** 20,
        nCells: 200,
        peakRss: 102 * 2 ** 20,
      },
      jupyter: {
        startToFirstMs: [6000, 6000, 6000],
        emptyCellMs: [12, 12, 12],
        exprCellMs: [20, 20, 20],
        rssAfter10: 1,
        rssAfterN: 1,
        nCells: 200,
        peakRss: 1,
      },
      ipykernel: "not measured: ipykernel is not installed",
    },
    memory: { "ours, in-process: tokenize 1": 300 * 2 ** 20 },
    notes: ["a note"],
  };
}

describe("bench report", () => {
  const md = renderReport(report());
  const line = (start: string): string => md.split("\n").find((l) => l.startsWith(start)) ?? "";

  it("prints ratios of medians with each goal's pass or miss", () => {
    const tok = line("| tokenize 1 image");
    assert.match(
      tok,
      /\| 1\.00x \*\*pass\*\* \(goal <= 1\.1\) \| 1\.20x \*\*miss\*\* \(goal <= 1\.1\) \| 1\.60x \*\*pass\*\* \(goal >= 1\.5\) \|$/,
    );
    const dec = line("| decode: 25 DDIM steps");
    assert.match(dec, /not measured: worker broke/);
    assert.match(dec, /\| 1\.25x \*\*miss\*\* \(goal <= 1\.1\) \| – \| 1\.20x \*\*miss\*\* \(goal >= 1\.5\) \|$/);
    assert.match(line("| LM decode at context 32"), /1\.50x \*\*miss\*\* \(goal >= 2\)/);
  });

  it("judges the kernel goals and says what was not measured", () => {
    assert.match(
      md,
      /empty cell on the VS Code path: 4\.00 ms \*\*pass\*\* \(goal <= 5\); on the Jupyter path: 12\.0 ms \*\*miss\*\* \(goal <= 10\)/,
    );
    assert.match(md, /JSON-RPC 3100 ms \*\*pass\*\* \(goal <= 5000\); Jupyter 6000 ms \*\*miss\*\*/);
    assert.match(line("| empty cell round trip"), /not measured: ipykernel is not installed/);
    assert.match(
      line("| cell `1` round trip"),
      /^\| cell `1` round trip \(ms\): compiled and run \| 9\.00 \(9\.00-9\.00\) \| 20\.0 \(20\.0-20\.0\) \| not measured/,
    );
    assert.match(md, /No GPU on this machine/);
    assert.match(md, /Test CPU, 2 cores/);
    assert.match(md, /300 MiB/);
  });
});
