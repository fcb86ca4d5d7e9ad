// Resident memory of this process or a child, from /proc (Linux). Peak RSS per stage: writing "5" to
// /proc/<pid>/clear_refs resets the VmHWM high-water mark (Linux >= 4.0), so each stage starts its own peak.

import { readFileSync, writeFileSync } from "node:fs";

function statusField(pid: number | "self", field: "VmRSS" | "VmHWM"): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  if (!m?.[1]) throw new Error(`/proc/${pid}/status has no ${field} line (is this Linux, and is the process alive?)`);
  return Number(m[1]) * 1024;
}

/** Current resident set size in bytes. */
export function rssBytes(pid: number | "self" = "self"): number {
  return statusField(pid, "VmRSS");
}

/** Peak resident set size in bytes since the process started or since the last resetPeak. */
export function peakRssBytes(pid: number | "self" = "self"): number {
  return statusField(pid, "VmHWM");
}

/** Resets the peak to the current RSS; returns false where the kernel refuses (then peaks are since process start). */
export function resetPeak(pid: number | "self" = "self"): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}
