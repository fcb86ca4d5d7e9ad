// Input validation of the `seed` API, through the real runtime on the tiny package (N = 4 tokens, K = 16 codes):
// every wrong type, out-of-range id, wrong count, bad k, unknown option or missing file throws a SeedApiError that
// says what was wrong and what is expected - and the model stays usable afterwards.

import assert from "node:assert/strict";
import { join } from "node:path";
import { before, test } from "node:test";
import type { Tokens } from "../../../kernel/api/seed";
import type { Harness } from "./harness";
import { harness } from "./harness";

let h: Harness;
let tok: Tokens;
before(async () => {
  h = await harness();
  tok = await h.seed.tokenize("grad.png");
});

const apiError =
  (pattern: RegExp) =>
  (e: unknown): boolean => {
    assert.ok(e instanceof Error, "an Error");
    assert.equal(e.name, "SeedApiError", `SeedApiError, got ${e.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  };

test("image: a missing file names the resolved path; other sources say what is accepted", async () => {
  await assert.rejects(
    h.seed.image("nope.png"),
    apiError(new RegExp(`no image file at ${join(h.cwd, "nope.png").replace(/[/.]/g, "\\$&")} \\(ENOENT\\)`)),
  );
  await assert.rejects(h.seed.image(""), apiError(/image path is empty/));
  await assert.rejects(h.seed.image("https://example.com/a.png"), apiError(/only file: URLs can be read/));
  await assert.rejects(h.seed.image(5 as never), apiError(/cannot read an image from the number 5; expected a path/));
  await assert.rejects(h.seed.image(new Uint8Array(0)), apiError(/is empty \(0 bytes\)/));
  await assert.rejects(h.seed.image(h.cwd), apiError(/is not a file/));
  await assert.rejects(h.seed.image("grad.png", 3 as never), apiError(/label must be a string/));
});

test("image: bytes that are not an image fail with the runtime's image error", async () => {
  await assert.rejects(h.seed.image(Buffer.from("definitely not a png")), (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.match(e.message, /image/i);
    return true;
  });
});

test("tokens: wrong count, out-of-range and non-integer ids are refused with the valid range", async () => {
  await assert.rejects(
    h.seed.tokens([1, 2, 3, 4, 5]),
    apiError(/has 5 ids; expected 1\.\.4 ids \(a prefix\) or exactly 4/),
  );
  await assert.rejects(h.seed.tokens([]), apiError(/has 0 ids/));
  await assert.rejects(
    h.seed.tokens([1, 16, 0, 0]),
    apiError(/ids\[1\] is the number 16; token ids are integers in 0\.\.15 \(codebook size 16\)/),
  );
  await assert.rejects(h.seed.tokens([1, 2.5]), apiError(/ids\[1\] is the number 2\.5/));
  await assert.rejects(h.seed.tokens([-1]), apiError(/ids\[0\] is the number -1/));
  await assert.rejects(
    h.seed.tokens("1 2 3" as never),
    apiError(/expected Tokens .* or an array of token ids, got the string '1 2 3'$/),
  );
});

test("token edits: positions, ids and k outside their ranges are refused", () => {
  assert.throws(() => tok.with(4, 0), apiError(/tokens\.with: position must be in 0\.\.3, got 4/));
  assert.throws(() => tok.with(0, 16), apiError(/tokens\.with: id must be in 0\.\.15, got 16/));
  assert.throws(() => tok.at(-1), apiError(/position must be in 0\.\.3/));
  assert.throws(() => tok.prefix(0), apiError(/tokens\.prefix: k must be in 1\.\.4, got 0/));
  assert.throws(() => tok.prefix(5), apiError(/k must be in 1\.\.4, got 5/));
  assert.throws(() => tok.prefix(1.5), apiError(/k must be an integer in 1\.\.4, got the number 1\.5/));
  assert.throws(() => tok.diff(tok.prefix(2)), apiError(/same length; this has 4 tokens, other has 2/));
  assert.throws(() => tok.equals([1, 2, 3, 4] as never), apiError(/must be Tokens/));
});

test("splice and mix: complete sequences, a valid cut and one choice per token", () => {
  assert.throws(() => h.seed.splice(tok, tok, 5), apiError(/seed\.splice: at must be in 0\.\.4, got 5/));
  assert.throws(() => h.seed.splice(tok, tok.prefix(2), 1), apiError(/must be complete \(4 ids\); got 4 and 2/));
  assert.throws(() => h.seed.splice([0, 1, 2, 3] as never, tok, 1), apiError(/seed\.splice: a must be Tokens/));
  assert.throws(
    () => h.seed.mix(tok, tok, [true]),
    apiError(/pick has 1 entries; expected one boolean per token \(4\)/),
  );
  assert.throws(
    () => h.seed.mix(tok, tok, "all" as never),
    apiError(/pick must be an array of 4 booleans or a function/),
  );
  assert.throws(() => h.seed.mix(tok, tok.prefix(3), [true, true, true]), apiError(/a has 4 tokens and b has 3/));
});

test("decode: unknown options (typos) and out-of-range values are named", async () => {
  await assert.rejects(
    h.seed.decode(tok, { step: 5 } as never),
    apiError(/unknown option "step"; expected some of: steps, guidance, seed, prefix, live, frameEvery/),
  );
  await assert.rejects(h.seed.decode(tok, { steps: 0 }), apiError(/steps must be in 1\.\.1000, got 0/));
  await assert.rejects(
    h.seed.decode(tok, { guidance: Number.NaN }),
    apiError(/guidance must be a number in 0\.\.100, got the number NaN/),
  );
  await assert.rejects(h.seed.decode(tok, { seed: -1 }), apiError(/seed must be in 0\.\.4294967295, got -1/));
  await assert.rejects(h.seed.decode(tok, { prefix: 0 }), apiError(/prefix must be in 1\.\.4, got 0/));
  await assert.rejects(
    h.seed.decode(tok, { live: "yes" as never }),
    apiError(/live must be true or false, got the string 'yes'/),
  );
  await assert.rejects(h.seed.decode(tok, "fast" as never), apiError(/options must be an object like/));
  await assert.rejects(h.seed.decode([1, 2, 3, 99]), apiError(/ids\[3\] is the number 99/));
});

test("chat and generate: empty messages, bad options and prefixes in prompts are refused", async () => {
  await assert.rejects(h.seed.chat([]), apiError(/the message is empty/));
  await assert.rejects(h.seed.chat("hi", { maxTokens: 0 }), apiError(/maxTokens must be in 1\.\.8192, got 0/));
  await assert.rejects(h.seed.chat("hi", { topP: 0 }), apiError(/topP must be in 0\.000001\.\.1, got 0/));
  await assert.rejects(h.seed.chat("hi", { temperature: -1 }), apiError(/temperature must be in 0\.\.10/));
  await assert.rejects(h.seed.chat("hi", { topKReport: 50 }), apiError(/topKReport must be in 1\.\.20, got 50/));
  await assert.rejects(h.seed.chat("hi", { maxToken: 5 } as never), apiError(/unknown option "maxToken"/));
  await assert.rejects(
    h.seed.chat("hi", { decode: { live: true } } as never),
    apiError(
      /seed\.chat \(decode options\): unknown option "live"; expected some of: steps, guidance, seed, frameEvery/,
    ),
  );
  await assert.rejects(
    h.seed.chat(["see", tok.prefix(2)]),
    apiError(/Tokens in a message must be complete \(4 ids\), got a prefix of 2/),
  );
  await assert.rejects(h.seed.generate([tok.prefix(1)]), apiError(/Tokens in a prompt must be complete/));
  await assert.rejects(h.seed.chat([42 as never]), apiError(/cannot read an image from the number 42/));
  assert.throws(() => h.seed.conversation(5 as never), apiError(/system must be a string/));
  assert.throws(() => h.seed.compare([]), apiError(/non-empty array/));
  assert.throws(
    () => h.seed.compare([tok as never]),
    apiError(/images\[0\] is an object \(TokensImpl\); expected a SeedImage or a Reconstruction/),
  );
});

test("after all those errors the model still works", async () => {
  const again = await h.seed.tokenize("grad.png");
  assert.deepEqual(again.ids, tok.ids);
});
