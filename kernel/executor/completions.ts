// Language features on top of tslab's converter, which answers completions as bare names and is-complete as a yes/no:
//   - completion items with a kind (from the TypeScript entries), a signature as detail and the JSDoc as documentation
//     (quick info of each candidate, for the seed API from kernel/api/seed.d.ts, for cells' own names from the live
//     declarations). Quick info costs a program rebuild when the source changes, so the candidates are put into ONE
//     source (`(x.a, x.b, ...)` in place of `x.partial`) and each is inspected there: one rebuild, then cheap lookups;
//   - a three-way is-complete: "invalid" when a closing bracket has no opener (no continuation can fix that),
//     "incomplete" when a bracket is still open or tslab says so, else "complete".
// Pure functions over the TypeScript fork tslab ships (its parser and scanner); the adapter supplies the quick info.

import * as ts from "@tslab/typescript-for-tslab";

/** What a candidate is, in the words LSP and Jupyter frontends both map to icons. */
export type CompletionKind =
  | "method"
  | "function"
  | "constructor"
  | "property"
  | "variable"
  | "constant"
  | "class"
  | "interface"
  | "enum"
  | "enumMember"
  | "module"
  | "keyword"
  | "type"
  | "text";

export interface CompletionItemInfo {
  name: string;
  kind: CompletionKind;
  /** The candidate's signature or type, e.g. `(method) SeedApi.tokenize(image: ImageInput): Promise<Tokens>`. */
  detail?: string;
  /** Its JSDoc (text and @tags), plain text. */
  documentation?: string;
}

/** A quick info split into its signature line and documentation. */
export interface QuickInfoParts {
  kind: string;
  signature: string;
  documentation: string;
}

const KINDS = new Map<string, CompletionKind>([
  ["method", "method"],
  ["function", "function"],
  ["local function", "function"],
  ["constructor", "constructor"],
  ["property", "property"],
  ["getter", "property"],
  ["setter", "property"],
  ["JSX attribute", "property"],
  ["var", "variable"],
  ["let", "variable"],
  ["local var", "variable"],
  ["parameter", "variable"],
  ["const", "constant"],
  ["class", "class"],
  ["local class", "class"],
  ["interface", "interface"],
  ["enum", "enum"],
  ["enum member", "enumMember"],
  ["module", "module"],
  ["external module name", "module"],
  ["keyword", "keyword"],
  ["type", "type"],
  ["type parameter", "type"],
  ["alias", "type"],
  ["primitive type", "keyword"],
  ["string", "text"],
]);

/** Our kind for a TypeScript ScriptElementKind ("method", "local var", ...). */
export function completionKind(tsKind: string): CompletionKind {
  return KINDS.get(tsKind) ?? "variable";
}

/** Splits a TypeScript QuickInfo; undefined for a name TypeScript does not know (it answers kind "" and type any). */
export function quickInfoParts(info: ts.QuickInfo | undefined): QuickInfoParts | undefined {
  if (!info || info.kind === "") return undefined;
  const tags = (info.tags ?? []).map((t) => `@${t.name}${t.text ? ` ${ts.displayPartsToString(t.text)}` : ""}`);
  const documentation = [ts.displayPartsToString(info.documentation ?? []), ...tags].filter((s) => s !== "").join("\n");
  return { kind: info.kind, signature: ts.displayPartsToString(info.displayParts ?? []), documentation };
}

/** One source in which every candidate stands at a known offset, so one program answers all their quick infos. */
export interface CandidateSource {
  code: string;
  /** Offset of each candidate's name in `code`, in the order given; -1 for a name that cannot stand there. */
  offsets: number[];
}

const IDENTIFIER = /^[\p{L}\p{Nl}$_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}$_\u200c\u200d]*$/u;

/** The member access `expr.partial` (or `expr?.partial`) whose name is being completed at [start, end), if any. */
function memberAccessAt(code: string, start: number): ts.PropertyAccessExpression | undefined {
  const file = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, true);
  let found: ts.PropertyAccessExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (found || node.pos > start || node.end < start - 1) return;
    if (
      ts.isPropertyAccessExpression(node) &&
      node.expression.end < start &&
      /^\s*\??\.\s*$/.test(code.slice(node.expression.end, start))
    ) {
      found = node;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Builds the source that holds every candidate where the completion would put it (see the file header). */
export function candidateSource(code: string, start: number, end: number, names: readonly string[]): CandidateSource {
  const access = memberAccessAt(code, start);
  const from = access ? access.expression.getStart() : start;
  const prefix = access ? `${code.slice(from, start)}` : "";
  let text = `${code.slice(0, from)}(`;
  const offsets: number[] = [];
  let first = true;
  for (const name of names) {
    if (!IDENTIFIER.test(name)) {
      offsets.push(-1);
      continue;
    }
    text += `${first ? "" : ", "}${prefix}`;
    offsets.push(text.length);
    text += name;
    first = false;
  }
  return { code: `${text})${code.slice(end)}`, offsets };
}

export type CompleteStatus = { status: "complete" } | { status: "incomplete"; indent: string } | { status: "invalid" };

const OPENERS: Partial<Record<ts.SyntaxKind, ts.SyntaxKind>> = {
  [ts.SyntaxKind.CloseParenToken]: ts.SyntaxKind.OpenParenToken,
  [ts.SyntaxKind.CloseBracketToken]: ts.SyntaxKind.OpenBracketToken,
  [ts.SyntaxKind.CloseBraceToken]: ts.SyntaxKind.OpenBraceToken,
};

/** Tokens after which a `/` divides (a value ends there); after anything else it starts a regular expression. */
const VALUE_ENDS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.Identifier,
  ts.SyntaxKind.NumericLiteral,
  ts.SyntaxKind.BigIntLiteral,
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateTail,
  ts.SyntaxKind.RegularExpressionLiteral,
  ts.SyntaxKind.CloseParenToken,
  ts.SyntaxKind.CloseBracketToken,
  ts.SyntaxKind.CloseBraceToken,
  ts.SyntaxKind.ThisKeyword,
  ts.SyntaxKind.SuperKeyword,
  ts.SyntaxKind.TrueKeyword,
  ts.SyntaxKind.FalseKeyword,
  ts.SyntaxKind.NullKeyword,
  ts.SyntaxKind.PlusPlusToken,
  ts.SyntaxKind.MinusMinusToken,
]);

function regexMayStart(previous: ts.SyntaxKind | undefined): boolean {
  return previous === undefined || !VALUE_ENDS.has(previous);
}

/**
 * Three-way is-complete. `tslabSays` is tslab's own answer (it knows unterminated strings, templates and comments);
 * this adds "invalid" for a closing bracket that no bracket opened, or that closes a different kind of bracket.
 */
export function completeStatus(code: string, tslabSays: { completed: boolean; indent?: string }): CompleteStatus {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, /*skipTrivia*/ true, ts.LanguageVariant.Standard, code);
  // Open brackets; a template's `${` counts as a brace whose closing `}` resumes the template.
  const open: Array<ts.SyntaxKind | "template"> = [];
  let previous: ts.SyntaxKind | undefined;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; previous = token, token = scanner.scan()) {
    if (
      token === ts.SyntaxKind.OpenParenToken ||
      token === ts.SyntaxKind.OpenBracketToken ||
      token === ts.SyntaxKind.OpenBraceToken
    ) {
      open.push(token);
    } else if (token === ts.SyntaxKind.TemplateHead) {
      open.push("template");
    } else if (token === ts.SyntaxKind.CloseBraceToken && open[open.length - 1] === "template") {
      const next = scanner.reScanTemplateToken(/*isTaggedTemplate*/ false);
      if (next === ts.SyntaxKind.TemplateTail) open.pop();
    } else if (
      (token === ts.SyntaxKind.SlashToken || token === ts.SyntaxKind.SlashEqualsToken) &&
      regexMayStart(previous)
    ) {
      // A regular expression (where an expression may start): scan it whole, its brackets are not code.
      token = scanner.reScanSlashToken();
    } else {
      const opener = OPENERS[token];
      if (opener === undefined) continue;
      if (open.pop() !== opener) return { status: "invalid" };
    }
  }
  if (open.length > 0 || !tslabSays.completed) return { status: "incomplete", indent: tslabSays.indent ?? "  " };
  return { status: "complete" };
}
