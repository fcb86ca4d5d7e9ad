// Typechecks the code cells of the teaching notebooks against the public `seed` API (kernel/api/seed.d.ts) without a
// model: each notebook's code cells, concatenated in order (cells share one scope in the kernel, as in tslab), become
// one strict TypeScript module that declares `seed` the way the kernel's prelude does. This catches API drift between
// seed.d.ts and the lessons in seconds; executing the notebooks (notebooks-run.ts) remains the real test.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Notebook } from "./notebooks";
import { cellSource } from "./notebooks";
import { runProcess } from "./notebooks-run";

/** The module text for one notebook: the `seed` declaration, then every code cell with a marker comment. */
export function cellsAsModule(nb: Notebook, seedDeclarations: string): string {
  const cells = nb.cells
    .map((c, i) => (c.cell_type === "code" ? `// ---- cell ${i}\n${cellSource(c)}\n;` : ""))
    .filter((s) => s !== "")
    .join("\n");
  return (
    `/// <reference types="node" />\n` +
    `import type { SeedApi } from ${JSON.stringify(seedDeclarations.replace(/\.d\.ts$/, ""))};\n` +
    `declare const seed: SeedApi;\n${cells}\nexport {};\n`
  );
}

/**
 * Writes one module per notebook into `dir` and runs the project's tsc on them (strict, ES2022, Node types).
 * Returns tsc's diagnostics with file names mapped back to notebook names; empty when everything typechecks.
 */
export async function typecheckNotebooks(
  root: string,
  notebooks: readonly { name: string; notebook: Notebook }[],
  dir: string,
): Promise<string> {
  const seedDts = join(root, "kernel", "api", "seed.d.ts");
  const files = notebooks.map(({ name, notebook }) => {
    const file = join(dir, name.replace(/\.ipynb$/, ".cells.ts"));
    writeFileSync(file, cellsAsModule(notebook, seedDts));
    return file;
  });
  const tsconfig = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: "ES2022",
      lib: ["ES2022"],
      module: "esnext",
      moduleResolution: "bundler",
      skipLibCheck: true,
      types: ["node"],
      typeRoots: [join(root, "node_modules", "@types")],
    },
    files,
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  const r = await runProcess(join(root, "node_modules", ".bin", "tsc"), ["-p", join(dir, "tsconfig.json")], {
    cwd: root,
    timeoutMs: 120_000,
  });
  if (r.timedOut) throw new Error("tsc did not finish within 120 s");
  if (r.code === 0) return "";
  return `${r.stdout}${r.stderr}`
    .trim()
    .replaceAll(`${dir}/`, "")
    .replace(/\.cells\.ts/g, ".ipynb (code cells)");
}
