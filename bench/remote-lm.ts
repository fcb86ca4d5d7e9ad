// Remote vs in-process language model on SEED-mini, same run: llama.cpp's llama-server serving SEED-mini's LM as
// GGUF (started here with tests/helpers/llama-server.ts, or --endpoint URL for one already running) against the
// in-process ONNX graph. Both generate greedily from the same prompt ids, interleaved repetition by repetition:
//   caption  the golden captioning prompt (image codes + "Describe the image."): text only
//   draw     the golden text-to-image prompt: text, a 32-code image span (its own request), then text
// Measured per generation: time to the first token (call -> first onToken), ms/token after the first, and for the
// remote side the server's own timings (llama-server's `timings`: prompt_ms + predicted_ms summed over the run's
// requests). Client overhead per token = remote ms/token / the server's own ms/token - 1 (the goal: <= 10%); over the
// whole generation = remote wall time / the server's own time - 1.
//   node --import tsx bench/remote-lm.ts [--reps 8] [--threads 1] [--endpoint URL] [--out BENCHMARKS.md | -]
// With --out FILE, the section between the remote-lm markers of FILE is replaced (bench/run.ts keeps it).

import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type RemoteLanguageModel, SeedModel } from "../model/runtime/index";
import { startLlamaServer } from "../tests/helpers/llama-server";
import { nowMs, quantile } from "./stats";

const { values: opt } = parseArgs({
  options: {
    reps: { type: "string", default: "8" },
    threads: { type: "string", default: "1" },
    endpoint: { type: "string" },
    out: { type: "string", default: "-" },
  },
});
const MODEL = join(__dirname, "..", "model", "seed-mini");
const START = "<!-- remote-lm:start -->";
const END = "<!-- remote-lm:end -->";

interface Sample {
  ttftMs: number;
  msPerToken: number;
  tokens: number;
  wallMs: number;
  serverMs?: number;
  serverPerTokenMs?: number;
  requests?: number;
}

async function measure(model: SeedModel, prompt: number[], maxNewTokens: number): Promise<Sample> {
  const times: number[] = [];
  const t0 = nowMs();
  const r = await model.generate(prompt, { temperature: 0, maxNewTokens, onToken: () => times.push(nowMs()) });
  const wallMs = nowMs() - t0;
  const first = times[0] ?? wallMs + t0;
  const last = times[times.length - 1] ?? first;
  const s: Sample = {
    ttftMs: first - t0,
    msPerToken: times.length > 1 ? (last - first) / (times.length - 1) : Number.NaN,
    tokens: r.ids.length,
    wallMs,
  };
  const lm = model.lmBackend as RemoteLanguageModel | undefined;
  if (lm && "lastRun" in lm && lm.lastRun) {
    const sv = lm.lastRun.server;
    s.serverMs = sv.promptMs + sv.predictedMs;
    s.serverPerTokenMs = sv.predictedN > 0 ? sv.predictedMs / sv.predictedN : Number.NaN;
    s.requests = lm.lastRun.requests;
  }
  return s;
}

const median = (xs: number[]): number =>
  xs.length
    ? quantile(
        [...xs].sort((a, b) => a - b),
        0.5,
      )
    : Number.NaN;
const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : "–");
const med = (xs: Sample[], k: keyof Sample): number => median(xs.map((s) => Number(s[k])).filter(Number.isFinite));

async function main(): Promise<void> {
  const reps = Number(opt.reps);
  const threads = Number(opt.threads);
  const server = opt.endpoint ? undefined : await startLlamaServer({ args: ["--threads", String(threads)] });
  const endpoint = opt.endpoint ?? server?.url ?? "";
  try {
    const local = await SeedModel.load(MODEL, { executionProvider: "cpu", threads });
    const remote = await SeedModel.load(MODEL, { executionProvider: "cpu", threads, languageModelEndpoint: endpoint });
    const golden = JSON.parse(readFileSync(join(MODEL, "fixtures", "lm_greedy.json"), "utf8")) as {
      cases: { name: string; prompt_ids: number[] }[];
    };
    const prompt = (name: string): number[] => {
      const c = golden.cases.find((x) => x.name === name);
      if (!c) throw new Error(`lm_greedy.json has no case ${name}`);
      return c.prompt_ids;
    };
    const work = [
      { name: "caption", prompt: prompt("captioning"), max: 64 },
      { name: "draw", prompt: prompt("text_to_image"), max: 64 },
    ];
    const results: Record<string, { local: Sample[]; remote: Sample[] }> = {};
    for (const w of work) {
      results[w.name] = { local: [], remote: [] };
      await measure(local, w.prompt, w.max); // warm-up
      await measure(remote, w.prompt, w.max);
    }
    for (let r = 0; r < reps; r++) {
      for (const w of work) {
        const slot = results[w.name] as { local: Sample[]; remote: Sample[] };
        const order = r % 2 === 0 ? ([local, remote] as const) : ([remote, local] as const);
        for (const m of order) (m === local ? slot.local : slot.remote).push(await measure(m, w.prompt, w.max));
      }
    }
    await local.dispose();
    await remote.dispose();

    const rows = [
      "| workload | tokens | TTFT in-process (ms) | TTFT remote (ms) | ms/token in-process | ms/token remote | server's own ms/token | client overhead per token | requests | remote wall (ms) | server's own time (ms) | client overhead, whole generation |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ];
    for (const w of work) {
      const { local: l, remote: rm } = results[w.name] as { local: Sample[]; remote: Sample[] };
      const overhead = med(rm, "wallMs") / med(rm, "serverMs") - 1;
      const perToken = med(rm, "msPerToken") / med(rm, "serverPerTokenMs") - 1;
      rows.push(
        `| ${w.name} | ${med(rm, "tokens")} | ${f(med(l, "ttftMs"))} | ${f(med(rm, "ttftMs"))} | ${f(med(l, "msPerToken"), 3)} | ${f(med(rm, "msPerToken"), 3)} | ${f(med(rm, "serverPerTokenMs"), 3)} | ${f(perToken * 100, 1)}% ${perToken <= 0.1 ? "**pass**" : "**miss**"} (goal <= 10%) | ${med(rm, "requests")} | ${f(med(rm, "wallMs"), 1)} | ${f(med(rm, "serverMs"), 1)} | ${f(overhead * 100, 1)}% |`,
      );
    }
    const section = [
      START,
      "## Language model served remotely (llama-server) vs in-process",
      "",
      `Written by \`npm run bench:remote\` (node --import tsx bench/remote-lm.ts --reps ${reps} --threads ${threads} --out BENCHMARKS.md) on ${new Date().toISOString()}; ` +
        `SEED-mini's LM as GGUF in llama.cpp's llama-server (${threads} thread${threads > 1 ? "s" : ""}, one slot, same machine) against the ONNX graph in-process ` +
        `(${threads} ORT thread${threads > 1 ? "s" : ""}); greedy, prompt ids from model/seed-mini/fixtures/lm_greedy.json; medians of ${reps} interleaved repetitions after one warm-up.`,
      "TTFT: from the generate call to the first token event (prefill + first token). ms/token: between the first and the last token event.",
      "Server's own time: llama-server's `timings` (prompt_ms + predicted_ms) summed over the requests of one generation (text, the image span, text after it);",
      "Client overhead per token: remote ms/token / the server's own ms/token (predicted_ms / predicted_n) - 1, the issue's goal; whole generation: remote wall time / server's own time - 1",
      "(adds the request set-up before the server's clock starts, and the gaps where a request is reopened for the image span and after it).",
      "The machine is shared (a training run and other jobs; load average at start: " +
        loadavg()
          .map((x) => x.toFixed(1))
          .join(" / ") +
        " on 2 cores), which slows every number here by a large and varying factor; compare columns within a row only.",
      "",
      ...rows,
      END,
    ].join("\n");
    console.log(section);
    if (opt.out && opt.out !== "-") {
      const old = readFileSync(opt.out, "utf8");
      const a = old.indexOf(START);
      const b = old.indexOf(END);
      const next =
        a >= 0 && b > a ? old.slice(0, a) + section + old.slice(b + END.length) : `${old.trimEnd()}\n\n${section}\n`;
      writeFileSync(opt.out, next);
    }
  } finally {
    await server?.stop();
  }
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
