// What the two runners of the extension-host mocha suites share: run.mjs (the VS Code server, driven by Chromium)
// and desktop.mjs (desktop VS Code through @vscode/test-electron). The suite bundle and the stand-in kernel are built
// the same way, each suite gets the same workspace settings and the same extension-host environment, so that a suite
// means the same thing under both.
import { cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import * as esbuild from "esbuild";

// The mocha suites run seed.restartKernel from code, where nobody could answer its modal question (ui-restart.mjs
// answers it through the UI).
const NO_RESTART_DIALOG = { "seed.confirmRestart": false };

/** The mocha suites (tests/e2e/suite/index.ts): workspace settings, kernel, and whether they need workspace trust. */
export const MOCHA_SUITES = {
  controller: { settings: NO_RESTART_DIALOG, standInKernel: true, trusted: true },
  kernel: { settings: NO_RESTART_DIALOG, standInKernel: false, trusted: true },
  restricted: { settings: {}, standInKernel: false, trusted: false },
};

/** Where the bundles go: the suite (the extensionTestsPath) and the stand-in kernel. */
export function bundlePaths(root) {
  const out = join(root, "tests", "e2e", "out");
  return { suite: join(out, "suite.js"), fakeKernel: join(out, "fake-kernel.js") };
}

/** Bundles the mocha suite (mocha and vscode stay external) and the stand-in kernel; needs `npm run build` first. */
export async function buildBundles(root) {
  if (!existsSync(join(root, "dist", "extension.js"))) {
    throw new Error("dist/extension.js is missing: run `npm run build` (node esbuild.mjs) first");
  }
  const here = join(root, "tests", "e2e");
  const paths = bundlePaths(root);
  const common = { bundle: true, platform: "node", format: "cjs", target: "node20", sourcemap: "inline" };
  await esbuild.build({
    ...common,
    logLevel: "warning",
    entryPoints: [join(here, "suite", "index.ts")],
    outfile: paths.suite,
    external: ["vscode", "mocha"],
  });
  await esbuild.build({
    ...common,
    logLevel: "warning",
    entryPoints: [join(here, "fixtures", "fake-kernel.ts")],
    outfile: paths.fakeKernel,
  });
  return paths;
}

/** The extension host's environment for one mocha suite (read by suite/index.ts and the extension). */
export function suiteEnvironment(root, suite, grep = "") {
  const spec = MOCHA_SUITES[suite];
  if (!spec) throw new Error(`unknown mocha suite '${suite}'; expected one of ${Object.keys(MOCHA_SUITES).join(", ")}`);
  return {
    SEED_E2E_SUITE: suite,
    SEED_E2E_GREP: grep,
    ...(spec.standInKernel ? { SEED_KERNEL_SCRIPT: bundlePaths(root).fakeKernel } : {}),
  };
}

/** A fresh workspace folder with the notebook assets, a 64x64 test image (e2e.png) and these workspace settings. */
export async function makeWorkspace(root, base, name, settings = {}) {
  const dir = join(base, name);
  mkdirSync(join(dir, ".vscode"), { recursive: true });
  writeFileSync(join(dir, ".vscode", "settings.json"), JSON.stringify(settings, null, 1));
  const assets = join(root, "notebooks", "assets");
  if (existsSync(assets)) cpSync(assets, join(dir, "assets"), { recursive: true });
  const sharp = createRequire(join(root, "package.json"))("sharp");
  const width = 64,
    height = 64,
    pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = x * 4;
      pixels[i + 1] = y * 4;
      pixels[i + 2] = (x + y) % 2 ? 200 : 40;
    }
  await sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(join(dir, "e2e.png"));
  return dir;
}
