// One build per runtime (ARCHITECTURE.md): the extension host (node, cjs), the kernel process and CLI (node, cjs),
// the model worker thread (node, cjs) and the notebook renderer (browser, esm).
// Usage: node esbuild.mjs [--production] [--watch]

import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import * as esbuild from "esbuild";

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");

// Native addons and packages that load files relative to themselves stay in node_modules.
const nodeExternal = ["vscode", "onnxruntime-node", "sharp", "zeromq", "tslab", "@tslab/typescript-for-tslab"];

/** Prints esbuild errors in the form VS Code's $esbuild-watch problem matcher reads. */
const problemMatcher = {
  name: "problem-matcher",
  setup(build) {
    build.onStart(() => {
      if (watch) console.log("[watch] build started");
    });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log("[watch] build finished");
    });
  },
};

const common = {
  bundle: true,
  sourcemap: production ? false : "linked",
  minify: production,
  logLevel: "warning",
  plugins: [problemMatcher],
};

/** Copies the `seed` API declaration next to the kernel bundle: tslab's compiler reads dist/seed.d.ts at runtime. */
const copySeedDeclarations = {
  name: "copy-seed-d-ts",
  setup(build) {
    build.onEnd(() => {
      // Only when the content changed: a running kernel's tslab compiler watches this file, and a rewrite (even with
      // the same bytes) makes it fail the next cell with "Unexpected pending rebuildTimer".
      mkdirSync("dist", { recursive: true });
      const source = readFileSync("kernel/api/seed.d.ts");
      if (!existsSync("dist/seed.d.ts") || !readFileSync("dist/seed.d.ts").equals(source))
        copyFileSync("kernel/api/seed.d.ts", "dist/seed.d.ts");
    });
  },
};

const builds = [
  {
    entryPoints: { extension: "extension/src/extension.ts" },
    platform: "node",
    format: "cjs",
    target: "node20",
    external: nodeExternal,
  },
  {
    entryPoints: {
      kernel: "kernel/main.ts",
      "jupyter-zmq": "kernel/jupyter/zmq-worker-main.ts",
      cli: "kernel/cli.ts",
      "model-worker": "model/runtime/worker.ts",
    },
    platform: "node",
    format: "cjs",
    target: "node20",
    external: nodeExternal,
    plugins: [problemMatcher, copySeedDeclarations],
  },
  { entryPoints: { renderer: "extension/renderer/index.ts" }, platform: "browser", format: "esm", target: "es2022" },
];

const contexts = await Promise.all(builds.map((b) => esbuild.context({ ...common, ...b, outdir: "dist" })));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  const results = await Promise.allSettled(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  const failed = results.filter((r) => r.status === "rejected");
  if (failed.length > 0) process.exit(1);
}
