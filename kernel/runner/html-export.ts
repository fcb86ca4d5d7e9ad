// A standalone HTML page of an executed notebook: each cell's source, then its outputs using the richest
// self-contained representation (text/html, else image/png inline as a data: URL, else text/plain). No scripts or
// external files, so the page can be mailed or opened anywhere.

import { escapeHtml } from "../display/html";
import type { NbCell, NbOutput, Notebook } from "./notebook";
import { sourceText } from "./notebook";

/** Inline markdown subset for markdown cells: headings, paragraphs, lists, `code`, **bold**, *italic*, code fences. */
export function markdownToHtml(md: string): string {
  const inline = (s: string): string =>
    escapeHtml(s)
      .replace(/`([^`]+)`/g, "<code>$1</code>")
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      .replace(/\*([^*]+)\*/g, "<em>$1</em>");
  const out: string[] = [];
  const blocks = md.split(/```/);
  blocks.forEach((block, i) => {
    if (i % 2 === 1) {
      out.push(`<pre><code>${escapeHtml(block.replace(/^[^\n]*\n/, ""))}</code></pre>`);
      return;
    }
    for (const para of block.split(/\n\s*\n/)) {
      const lines = para.split("\n").filter((l) => l.trim() !== "");
      if (lines.length === 0) continue;
      const heading = /^(#{1,6})\s+(.*)$/.exec(lines[0] ?? "");
      if (heading && lines.length === 1)
        out.push(`<h${heading[1]?.length}>${inline(heading[2] ?? "")}</h${heading[1]?.length}>`);
      else if (lines.every((l) => /^\s*[-*]\s+/.test(l)))
        out.push(`<ul>${lines.map((l) => `<li>${inline(l.replace(/^\s*[-*]\s+/, ""))}</li>`).join("")}</ul>`);
      else out.push(`<p>${lines.map(inline).join("<br>")}</p>`);
    }
  });
  return out.join("\n");
}

function outputHtml(o: NbOutput): string {
  switch (o.output_type) {
    case "stream":
      return `<pre class="stream ${o.name}">${escapeHtml(o.text)}</pre>`;
    case "error":
      return `<pre class="error">${escapeHtml(`${o.ename}: ${o.evalue}\n${o.traceback.slice(1).join("\n")}`)}</pre>`;
    case "display_data":
    case "execute_result": {
      const d = o.data;
      if (typeof d["text/html"] === "string") return `<div class="html">${d["text/html"]}</div>`;
      if (typeof d["image/png"] === "string") return `<img alt="output" src="data:image/png;base64,${d["image/png"]}">`;
      if (typeof d["image/svg+xml"] === "string") return `<div class="svg">${d["image/svg+xml"]}</div>`;
      if (typeof d["text/plain"] === "string") return `<pre>${escapeHtml(d["text/plain"])}</pre>`;
      return `<pre>${escapeHtml(JSON.stringify(d).slice(0, 2000))}</pre>`;
    }
  }
}

function cellHtml(cell: NbCell): string {
  const src = sourceText(cell);
  if (cell.cell_type === "markdown") return `<section class="md">${markdownToHtml(src)}</section>`;
  if (cell.cell_type === "raw") return `<pre class="raw">${escapeHtml(src)}</pre>`;
  const prompt = cell.execution_count == null ? "[ ]" : `[${cell.execution_count}]`;
  return (
    `<section class="code"><div class="in"><span class="prompt">${prompt}</span><pre>${escapeHtml(src)}</pre></div>` +
    `<div class="out">${(cell.outputs ?? []).map(outputHtml).join("\n")}</div></section>`
  );
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
section{margin:1em 0}.in{display:flex;gap:.5em;background:#f5f5f7;border-radius:4px;padding:.3em .6em}
.prompt{color:#888;font-family:monospace;padding-top:1em}.in pre{margin:.6em 0;overflow:auto}
.out{padding:.3em 0 .3em 2.5em}.out pre{margin:.3em 0;white-space:pre-wrap}.error{color:#b00020;background:#fdecee;padding:.4em}
.stderr{background:#fff6e5}img{max-width:100%}`;

export function notebookToHtml(nb: Notebook, title: string): string {
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>\n<body>\n` +
    nb.cells.map(cellHtml).join("\n") +
    "\n</body></html>\n"
  );
}
