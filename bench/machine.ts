// The machine description BENCHMARKS.md starts with: CPU model, cores, RAM, OS, Node/ORT/torch versions, the BLAS
// torch links, load average at the start and end of the run, and whether a GPU is present.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as os from "node:os";

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly ramGiB: number;
  readonly os: string;
  readonly node: string;
  readonly ort: string;
  readonly blas: string;
  readonly gpu: string | null;
  readonly loadStart: readonly number[];
}

function firstLineOf(cmd: string, args: readonly string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0 || r.error) return null;
  return r.stdout.trim().split("\n")[0] ?? null;
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync("/etc/os-release", "utf8"));
    return `${m?.[1] ?? os.type()} (${os.release()})`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

function blasInUse(): string {
  const r = spawnSync("update-alternatives", ["--query", "libblas.so.3-x86_64-linux-gnu"], { encoding: "utf8" });
  const m = /^Value: (.+)$/m.exec(r.stdout ?? "");
  return m?.[1] ?? "unknown (update-alternatives has no libblas.so.3 entry)";
}

export function describeMachine(): Machine {
  const ortPkg = JSON.parse(readFileSync(require.resolve("onnxruntime-node/package.json"), "utf8")) as {
    version: string;
  };
  const gpu = firstLineOf("nvidia-smi", ["--query-gpu=name,memory.total", "--format=csv,noheader"]);
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    ramGiB: os.totalmem() / 1024 ** 3,
    os: osName(),
    node: process.version,
    ort: `onnxruntime-node ${ortPkg.version}`,
    blas: blasInUse(),
    gpu,
    loadStart: os.loadavg(),
  };
}

export function fmtLoad(l: readonly number[]): string {
  return l.map((x) => x.toFixed(2)).join(" / ");
}
