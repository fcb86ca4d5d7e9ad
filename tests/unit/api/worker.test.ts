// The `seed` API over the off-thread model (openModelWorker, what the kernel uses): a live generation interrupted
// mid-stream ends with an AbortError, its live view says "interrupted", and the same worker serves the next call.

import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createSeedApi } from "../../../kernel/api/create-seed-api";
import type { SeedApi } from "../../../kernel/api/seed";
import { MIME } from "../../../kernel/protocol/mime";
import type { GenerationPayload } from "../../../kernel/protocol/payloads";
import type { SeedRuntime } from "../../../model/runtime/index";
import { openModelWorker } from "../../../model/runtime/index";
import { RecordingSink, TINY_PACKAGE } from "./harness";

let model: SeedRuntime;
let seed: SeedApi;
let controller = new AbortController();
const sink = new RecordingSink();

before(async () => {
  model = await openModelWorker(TINY_PACKAGE, {
    executionProvider: "cpu",
    threads: 1,
    cacheDir: mkdtempSync(join(tmpdir(), "seed-cache-")),
    workerScript: join(__dirname, "../../../model/runtime/worker.ts"),
  });
  seed = createSeedApi({ model: async () => model, display: sink, signal: () => controller.signal, cwd: __dirname });
});
after(async () => {
  await model.dispose();
});

test("interrupting a live generation on the worker ends it and leaves the worker usable", async () => {
  const first = sink.shown.length;
  const update = sink.update.bind(sink);
  sink.update = (id, bundle) => {
    update(id, bundle);
    const p = bundle[MIME.generation] as GenerationPayload | undefined;
    if (p && p.tokenCount >= 1) controller.abort(); // interrupt once the first token is on screen
  };
  try {
    await assert.rejects(seed.chat("Hi", { maxTokens: 40, temperature: 1, seed: 1 }), {
      name: "AbortError",
      message: "seed.chat was interrupted",
    });
  } finally {
    sink.update = update;
  }
  const last = sink.shown.at(-1)!.bundle[MIME.generation] as GenerationPayload;
  assert.ok(sink.shown.length > first);
  assert.equal(last.status, "interrupted");
  assert.ok(last.tokenCount < 40, `stopped early (${last.tokenCount} tokens)`);
  controller = new AbortController();
  const tokens = await seed.tokens([0, 1, 2, 3]);
  const rec = await seed.decode(tokens, { steps: 2 });
  assert.equal(rec.image.width, 16);
});
