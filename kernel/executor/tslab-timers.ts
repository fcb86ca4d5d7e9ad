// tslab's converter drives TypeScript's watch program by hand: its `sys.setTimeout` holds ONE pending timer, which the
// converter runs itself before each compile, and it throws "Unexpected pending rebuildTimer" when a second one is
// asked for. TypeScript asks for two kinds: the program update (each cell) and, when a watched folder changes (a file
// written in the notebook folder, node_modules touched), the re-check of failed module lookups. Once both were pending
// every later cell failed with that error until the kernel restarted, and a change arriving while the update timer was
// pending threw outside any cell.
//
// withTimerMultiplexer() gives the converter's sys a setTimeout/clearTimeout that keeps any number of TypeScript
// timers and holds at most one of tslab's: when tslab runs it, every pending TypeScript callback runs (those they
// schedule meanwhile too). tslab assigns `sys.setTimeout = ...` on an object whose prototype is TypeScript's `ts.sys`;
// an accessor put on `ts.sys` for the duration of createConverter() catches that assignment and installs the wrapper.

import * as ts from "@tslab/typescript-for-tslab";

type SetTimer = (callback: (...args: unknown[]) => void, ms: number, ...args: unknown[]) => unknown;
type ClearTimer = (handle: unknown) => void;

interface Pending {
  run: () => void;
}

/** The multiplexing pair over tslab's single-timer pair. */
function multiplex(tslabSet: SetTimer, tslabClear: ClearTimer): { set: SetTimer; clear: ClearTimer } {
  const pending = new Set<Pending>();
  let tslabTimer: unknown;
  let firing = false;
  const fire = (): void => {
    tslabTimer = undefined;
    firing = true;
    try {
      for (let next = pending.values().next(); !next.done; next = pending.values().next()) {
        pending.delete(next.value);
        next.value.run();
      }
    } finally {
      firing = false;
    }
  };
  return {
    set(callback, ms, ...args) {
      const timer: Pending = { run: () => callback(...args) };
      pending.add(timer);
      if (tslabTimer === undefined && !firing) tslabTimer = tslabSet(fire, ms);
      return timer;
    },
    clear(handle) {
      pending.delete(handle as Pending);
      if (pending.size === 0 && tslabTimer !== undefined) {
        tslabClear(tslabTimer);
        tslabTimer = undefined;
      }
    },
  };
}

/** Runs `create` (tslab's createConverter) so that the sys it builds gets the multiplexing timers. */
export function withTimerMultiplexer<T>(create: () => T): T {
  const sys = ts.sys as unknown as Record<string, unknown>;
  const saved = {
    set: Object.getOwnPropertyDescriptor(sys, "setTimeout"),
    clear: Object.getOwnPropertyDescriptor(sys, "clearTimeout"),
  };
  // tslab's sys object -> what it assigned so far.
  const assigned = new WeakMap<object, { set?: SetTimer; clear?: ClearTimer }>();
  const capture = (key: "set" | "clear") =>
    function (this: object, value: SetTimer & ClearTimer): void {
      const got = { ...assigned.get(this), [key]: value };
      assigned.set(this, got);
      // Until both are known, keep tslab's own function (nothing schedules before the watch program starts).
      Object.defineProperty(this, key === "set" ? "setTimeout" : "clearTimeout", {
        value,
        writable: true,
        configurable: true,
      });
      if (got.set && got.clear) {
        const mux = multiplex(got.set, got.clear);
        Object.defineProperty(this, "setTimeout", { value: mux.set, writable: true, configurable: true });
        Object.defineProperty(this, "clearTimeout", { value: mux.clear, writable: true, configurable: true });
      }
    };
  Object.defineProperty(sys, "setTimeout", { configurable: true, get: () => saved.set?.value, set: capture("set") });
  Object.defineProperty(sys, "clearTimeout", {
    configurable: true,
    get: () => saved.clear?.value,
    set: capture("clear"),
  });
  try {
    return create();
  } finally {
    for (const [key, descriptor] of [
      ["setTimeout", saved.set],
      ["clearTimeout", saved.clear],
    ] as const) {
      if (descriptor) Object.defineProperty(sys, key, descriptor);
      else delete sys[key];
    }
  }
}
