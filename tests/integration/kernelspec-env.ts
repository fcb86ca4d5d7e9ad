// Shared set-up for the integration tests: builds nothing (npm test builds dist/ first), installs our kernelspec into
// a temporary prefix with `seed-notebook kernel install --prefix`, and returns the environment (JUPYTER_PATH) under
// which Debian's /usr/bin/python3 jupyter_client and /usr/bin/jupyter find it. The tiny test model package is the
// kernel's model, so seed calls are fast and deterministic.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");
export const PYTHON = "/usr/bin/python3";
export const JUPYTER = "/usr/bin/jupyter";
export const TINY_MODEL = join(ROOT, "tests", "helpers", "tiny-seed");

/** Installs the kernelspec "seed" into a fresh prefix; returns env vars for Jupyter tools. */
export function kernelspecEnv(): NodeJS.ProcessEnv {
  const cli = join(ROOT, "dist", "cli.js");
  if (!existsSync(cli))
    throw new Error(`${cli} is missing: run "npm run build" (npm test does) before the integration tests`);
  const prefix = mkdtempSync(join(tmpdir(), "seed-jupyter-"));
  execFileSync(
    process.execPath,
    [
      cli,
      "kernel",
      "install",
      "--prefix",
      prefix,
      "--model",
      TINY_MODEL,
      "--execution-provider",
      "cpu",
      "--threads",
      "1",
    ],
    { stdio: "pipe" },
  );
  return {
    ...process.env,
    JUPYTER_PATH: join(prefix, "share", "jupyter"),
    // Keep Jupyter's runtime files and config out of the user's home.
    JUPYTER_RUNTIME_DIR: join(prefix, "runtime"),
    JUPYTER_CONFIG_DIR: join(prefix, "config"),
    JUPYTER_DATA_DIR: join(prefix, "data"),
    SEED_SOAK_IMAGE: join(ROOT, "notebooks", "assets", "dog.png"),
    PYTHONWARNINGS: "ignore",
  };
}

/** Runs the jupyter_client driver script and parses the JSON it prints. */
export function runDriver(env: NodeJS.ProcessEnv, args: string[], timeoutMs: number): Record<string, unknown> {
  const out = execFileSync(PYTHON, [join(__dirname, "jupyter_driver.py"), ...args], {
    env,
    cwd: ROOT,
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 << 20,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const line = out.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as Record<string, unknown>;
}
