// Test helper for the display tests: checks that an HTML fragment is well-formed (every non-void tag closed in
// order, attributes quoted) and self-contained (no scripts, no event handlers, no external URLs: only data: and
// in-document #ids). Returns the list of problems (empty when fine) so assertions can show all of them.

const VOID = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "source",
  "track",
  "wbr",
]);

export function htmlProblems(html: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:="[^"]*")?)*)\s*(\/?)>/g;
  let at = 0;
  for (const m of html.matchAll(tag)) {
    const between = html.slice(at, m.index);
    if (/[<>]/.test(between)) problems.push(`stray < or > in text near: ${JSON.stringify(between.slice(0, 60))}`);
    at = m.index! + m[0].length;
    const [, closing, rawName, attrs, selfClosing] = m;
    const name = rawName!.toLowerCase();
    if (name === "script") problems.push("contains a <script>");
    for (const a of (attrs ?? "").matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)"/g)) {
      const [, attr, value] = a;
      if (/^on/i.test(attr!)) problems.push(`event handler attribute ${attr} on <${name}>`);
      if (/^(src|href|xlink:href)$/i.test(attr!) && !/^(data:|#)/.test(value!))
        problems.push(`external ${attr}="${value!.slice(0, 60)}" on <${name}>`);
      if (/url\((?!\s*['"]?data:)/i.test(value!)) problems.push(`external url() in ${attr} on <${name}>`);
    }
    if (closing) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? "nothing"}>`);
    } else if (!selfClosing && !VOID.has(name)) {
      stack.push(name);
    }
  }
  if (/[<>]/.test(html.slice(at))) problems.push("stray < or > after the last tag");
  if (stack.length) problems.push(`unclosed: ${stack.map((t) => `<${t}>`).join(" ")}`);
  return problems;
}
