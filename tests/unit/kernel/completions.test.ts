// The pure parts of the kernel's language features (kernel/executor/completions.ts): the three-way is-complete, the
// one source that holds every completion candidate, TypeScript kinds mapped to ours, and quick info split into
// signature and documentation (found: false for a name TypeScript does not know).

import assert from "node:assert/strict";
import { test } from "node:test";
import * as ts from "@tslab/typescript-for-tslab";
import { candidateSource, completeStatus, completionKind, quickInfoParts } from "../../../kernel/executor/completions";

const tslabComplete = { completed: true };
const tslabOpen = { completed: false, indent: "  " };

test("is-complete: a closing bracket with no (or the wrong) opener is invalid; open brackets are incomplete", () => {
  for (const code of [")", "a)", "}", "f(x]", "[1, 2)", "`${(}`", "if (a) { b }}"])
    assert.deepEqual(completeStatus(code, tslabComplete), { status: "invalid" }, code);
  for (const code of ["foo(", "function f() {", "[1,\n2", "`a${x"])
    assert.deepEqual(completeStatus(code, tslabOpen), { status: "incomplete", indent: "  " }, code);
  // Brackets inside strings, comments, templates and regular expressions are not code; division is not a regex.
  for (const code of [
    "x = 1;",
    "let s = ')]}'",
    "// )\nx",
    "/* } */ 1",
    "`)${1}]`",
    "const r = /[(]/; r",
    "a / b / (c)",
    "a++ / 2",
  ]) {
    assert.deepEqual(completeStatus(code, tslabComplete), { status: "complete" }, code);
  }
  // tslab still decides what brackets cannot see (an unterminated string or comment).
  assert.deepEqual(completeStatus("let s = 'abc", tslabOpen), { status: "incomplete", indent: "  " });
});

test("candidateSource puts every candidate where the completion would, member access included", () => {
  const names = ["chat", "tokenize", "not an identifier", "decode"];
  const member = candidateSource("const t = await seed.to(1);", 21, 23, names);
  assert.equal(member.code, "const t = await (seed.chat, seed.tokenize, seed.decode)(1);");
  assert.deepEqual(
    member.offsets.map((o) => (o < 0 ? "" : member.code.slice(o, o + 4))),
    ["chat", "toke", "", "deco"],
  );
  const optional = candidateSource("a.b?.", 5, 5, ["x"]);
  assert.equal(optional.code, "(a.b?.x)");
  const bare = candidateSource("if (ok) { tw }", 10, 12, ["twice", "Math"]);
  assert.equal(bare.code, "if (ok) { (twice, Math) }");
  assert.equal(bare.code.slice(bare.offsets[1], bare.offsets[1]! + 4), "Math");
});

test("TypeScript element kinds map to completion kinds; quick info splits into signature and documentation", () => {
  assert.deepEqual(
    ["method", "property", "getter", "let", "const", "function", "class", "keyword", "constructor"].map(completionKind),
    ["method", "property", "property", "variable", "constant", "function", "class", "keyword", "constructor"],
  );
  assert.equal(
    quickInfoParts({
      kind: ts.ScriptElementKind.unknown,
      kindModifiers: "",
      textSpan: { start: 0, length: 1 },
      displayParts: [{ text: "any", kind: "keyword" }],
    }),
    undefined,
  );
  const parts = quickInfoParts({
    kind: ts.ScriptElementKind.memberFunctionElement,
    kindModifiers: "",
    textSpan: { start: 0, length: 1 },
    displayParts: [{ text: "(method) SeedApi.info(): Promise<ModelInfo>", kind: "text" }],
    documentation: [{ text: "The loaded model.", kind: "text" }],
    tags: [{ name: "example", text: [{ text: "await seed.info()", kind: "text" }] }],
  });
  assert.deepEqual(parts, {
    kind: "method",
    signature: "(method) SeedApi.info(): Promise<ModelInfo>",
    documentation: "The loaded model.\n@example await seed.info()",
  });
});
