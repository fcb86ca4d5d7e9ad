// Builds a model package's codebook atlas afresh and ships it as <package>/atlas.json (model/FORMAT.md, "The shipped
// atlas"), so that a first `seed.atlas()` on that package reads it instead of building. Run after every re-export:
//   node --import tsx scripts/build-atlas.ts [PACKAGE_DIR]        (default: model/seed-mini; `npm run atlas`)
// The atlas is built exactly as the kernel's seed.atlas() builds it (default settings), into an empty cache folder;
// the one file written there is what the kernel would cache, and becomes atlas.json (written via a temporary file).
import { copyFileSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SHIPPED_ATLAS } from "../kernel/api/atlas";
import type { DisplayHandle, DisplaySink } from "../kernel/api/context";
import { createSeedApi } from "../kernel/api/create-seed-api";
import type { CodebookAtlas } from "../kernel/api/seed";
import { SeedModel } from "../model/runtime/index";

const root = resolve(__dirname, "..");
const pkg = resolve(process.argv[2] ?? join(root, "model", "seed-mini"));
const cache = mkdtempSync(join(tmpdir(), "seed-atlas-build-"));
process.env.SEED_ATLAS_CACHE = cache;

const quiet: DisplaySink = {
  display: (): DisplayHandle => ({ displayId: "atlas", update: () => {} }),
  update: () => {},
};

async function main(): Promise<void> {
  const model = await SeedModel.load(pkg, { executionProvider: "cpu" });
  try {
    const seed = createSeedApi({
      model: async () => model,
      display: quiet,
      signal: () => new AbortController().signal,
      cwd: root,
    });
    const atlas = (await seed.atlas({ rebuild: true })) as CodebookAtlas;
    const files = readdirSync(cache).filter((f) => f.endsWith(".json"));
    if (files.length !== 1) throw new Error(`expected one atlas file in ${cache}, found ${files.join(", ") || "none"}`);
    const out = join(pkg, SHIPPED_ATLAS);
    copyFileSync(join(cache, files[0]!), `${out}.tmp`);
    renameSync(`${out}.tmp`, out);
    console.log(
      `${out}: ${(statSync(out).size / 1e6).toFixed(2)} MB, ${atlas.referenceCount} reference images, ` +
        `${atlas.byUsage().length} of ${atlas.codebookSize} codes used, built in ${(atlas.buildMs / 1000).toFixed(1)} s`,
    );
  } finally {
    await model.dispose();
    rmSync(cache, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`build-atlas: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
