// nbformat writing for the headless runner: parsing checks, 4.5 upgrade with cell ids, stream merging, display
// updates applied in place (also in an earlier cell), clear_output(wait), and the standalone HTML export.

import assert from "node:assert/strict";
import { test } from "node:test";
import { notebookToHtml } from "../../../kernel/runner/html-export";
import type { NbCell } from "../../../kernel/runner/notebook";
import { NotebookFormatError, OutputRecorder, parseNotebook } from "../../../kernel/runner/notebook";

const code = (source: string): NbCell => ({
  cell_type: "code",
  source,
  metadata: {},
  outputs: [],
  execution_count: null,
});

test("parseNotebook rejects non-v4 notebooks and bad cells, and adds ids (nbformat 4.5)", () => {
  const expected = /expected a Jupyter notebook: nbformat 4 JSON with a "cells" array/;
  for (const [json, what] of [
    [JSON.stringify({ nbformat: 3, cells: [] }), /old.ipynb: nbformat is 3; /],
    [JSON.stringify({ nbformat: 4, cells: [{ cell_type: "weird", source: "" }] }), /cell 1 has cell_type "weird"/],
    ["{ not json", /not valid JSON \(/],
    ["[1, 2]", /the file holds an array, not a JSON object/],
    [JSON.stringify({ nbformat: 4 }), /"cells" is missing/],
    [JSON.stringify({ nbformat: 4, cells: [7] }), /cell 1 is not an object/],
    [JSON.stringify({ nbformat: 4, cells: [{ cell_type: "code", source: [1] }] }), /cell 1 has no source/],
  ] as const) {
    assert.throws(
      () => parseNotebook(json, "old.ipynb"),
      (e: unknown) => e instanceof NotebookFormatError && what.test(e.message) && expected.test(e.message),
    );
  }
  const nb = parseNotebook(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 2,
      metadata: {},
      cells: [{ cell_type: "code", source: ["a\n", "b"] }],
    }),
    "x",
  );
  assert.equal(nb.nbformat_minor, 5);
  assert.match(nb.cells[0]?.id ?? "", /^[0-9a-f]{8}$/);
});

test("streams of one name merge; a display update replaces the data in place, even in an earlier cell", () => {
  const rec = new OutputRecorder();
  const first = code("a");
  const second = code("b");
  rec.record(first, { kind: "stream", name: "stdout", text: "a" });
  rec.record(first, { kind: "stream", name: "stdout", text: "b" });
  rec.record(first, { kind: "display", data: { "text/plain": "v1" }, displayId: "live" });
  rec.record(second, { kind: "update", data: { "text/plain": "v2" }, displayId: "live" });
  rec.record(second, { kind: "result", data: { "text/plain": "3" }, executionCount: 2 });
  assert.deepEqual(first.outputs, [
    { output_type: "stream", name: "stdout", text: "ab" },
    { output_type: "display_data", data: { "text/plain": "v2" }, metadata: {} },
  ]);
  assert.deepEqual(second.outputs, [
    { output_type: "execute_result", execution_count: 2, data: { "text/plain": "3" }, metadata: {} },
  ]);
});

test("clear_output(wait) clears when the next output arrives; errors keep ename/evalue/traceback", () => {
  const rec = new OutputRecorder();
  const cell = code("x");
  rec.record(cell, { kind: "stream", name: "stdout", text: "old" });
  rec.record(cell, { kind: "clear", wait: true });
  assert.equal(cell.outputs?.length, 1);
  rec.record(cell, { kind: "error", error: { ename: "E", evalue: "v", traceback: ["E: v"] } });
  assert.deepEqual(cell.outputs, [{ output_type: "error", ename: "E", evalue: "v", traceback: ["E: v"] }]);
});

test("the HTML export inlines text/html, PNGs as data URLs, escapes text and renders markdown headings", () => {
  const nb = parseNotebook(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: "markdown", source: "# Title <x>", metadata: {} },
        {
          cell_type: "code",
          source: "a < b",
          metadata: {},
          execution_count: 1,
          outputs: [
            { output_type: "display_data", data: { "text/html": "<b>rich</b>", "text/plain": "plain" }, metadata: {} },
            { output_type: "display_data", data: { "image/png": "iVBORw0KGgo=", "text/plain": "img" }, metadata: {} },
            { output_type: "stream", name: "stdout", text: "<script>" },
          ],
        },
      ],
    }),
    "x",
  );
  const html = notebookToHtml(nb, "t");
  assert.match(html, /<h1>Title &lt;x&gt;<\/h1>/);
  assert.match(html, /<b>rich<\/b>/);
  assert.doesNotMatch(html, />plain</);
  assert.match(html, /src="data:image\/png;base64,iVBORw0KGgo="/);
  assert.match(html, /&lt;script&gt;/);
  assert.match(html, /a &lt; b/);
});
