// Keeps the kernel process alive through what a cell does outside its own flow. Node ends a process on an unhandled
// promise rejection or an exception thrown in a callback, and a cell may call process.exit(): any of these would take
// every variable of the notebook with it. While installed, the guard
//   - hands unhandled rejections and uncaught exceptions to `report` (the session decides which cell they belong to),
//   - makes process.exit() throw when a cell calls it (`inCell()` true), and exit as usual for the kernel's own calls.
// Everything it changes on `process` is undone by dispose(); nothing is kept at module level.

import { writeSync } from "node:fs";
import type { StrayOrigin } from "../executor/errors";
import { exitRefused } from "../executor/errors";

export interface ProcessGuardOptions {
  /** Receives each error that escaped; must not throw (a throw is logged to stderr and dropped). */
  report(thrown: unknown, origin: StrayOrigin): void;
  /** True when the code running now belongs to a cell (its execution scope), so process.exit() is refused. */
  inCell(): boolean;
}

export interface ProcessGuard {
  /** Removes the listeners and restores process.exit. */
  dispose(): void;
}

/** Installs the guard on this process; one per process (a second install throws until the first is disposed). */
export function installProcessGuard(options: ProcessGuardOptions): ProcessGuard {
  const exit = process.exit;
  if ((exit as { seedGuarded?: boolean }).seedGuarded) {
    throw new Error("installProcessGuard: a guard is already installed in this process; dispose() it first");
  }
  const safely = (thrown: unknown, origin: StrayOrigin): void => {
    try {
      options.report(thrown, origin);
    } catch (e) {
      writeSync(2, `[seed-kernel] could not report an ${origin}: ${String(e)}; the error was: ${String(thrown)}\n`);
    }
  };
  const onRejection = (reason: unknown): void => safely(reason, "unhandledRejection");
  const onException = (error: unknown): void => safely(error, "uncaughtException");
  const guardedExit = Object.assign(
    (code?: number | string | null): never => {
      if (options.inCell()) throw exitRefused(code ?? undefined);
      return exit.call(process, code);
    },
    { seedGuarded: true },
  );
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  process.exit = guardedExit as typeof process.exit;
  return {
    dispose(): void {
      process.off("unhandledRejection", onRejection);
      process.off("uncaughtException", onException);
      if (process.exit === guardedExit) process.exit = exit;
    },
  };
}
