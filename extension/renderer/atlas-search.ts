// The codebook atlas's search (pure, no DOM: unit-tested under Node): "417" or "3, 17" codes, "#5" / "@5" the codes at a
// position (most used there first), ">10" / "<=2" by usage, "unused", and an empty query for every used code.

import type { AtlasEntryPayload } from "../../kernel/protocol/payloads";

/** What a query selects, most relevant first (pure; unit-tested). */
export function searchAtlas(entries: readonly AtlasEntryPayload[], query: string): AtlasEntryPayload[] {
  const q = query.trim().toLowerCase();
  const byUsage = (a: AtlasEntryPayload, b: AtlasEntryPayload) => b.count - a.count || a.code - b.code;
  if (q === "") return entries.filter((e) => e.count > 0).sort(byUsage);
  if (q === "unused") return entries.filter((e) => e.count === 0);
  const pos = /^(?:#|@|pos(?:ition)?\s*)(\d+)$/.exec(q);
  if (pos) {
    const p = Number(pos[1]);
    const at = (e: AtlasEntryPayload) => e.positions.find(([x]) => x === p)?.[1] ?? 0;
    return entries.filter((e) => at(e) > 0).sort((a, b) => at(b) - at(a) || a.code - b.code);
  }
  const usage = /^([<>]=?)\s*(\d+)$/.exec(q);
  if (usage) {
    const n = Number(usage[2]);
    const ok = {
      ">": (c: number) => c > n,
      ">=": (c: number) => c >= n,
      "<": (c: number) => c < n,
      "<=": (c: number) => c <= n,
    }[usage[1] as ">" | ">=" | "<" | "<="];
    return entries.filter((e) => ok(e.count)).sort(byUsage);
  }
  const codes = q.split(/[\s,]+/).map(Number);
  if (codes.every((c) => Number.isInteger(c))) return codes.flatMap((c) => entries.filter((e) => e.code === c));
  return [];
}
