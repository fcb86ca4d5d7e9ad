// Child-process half of kernel-session.test.ts: runs cells on a real KernelSession (tslab engine) and prints one JSON
// object of observations. It must run in its own process because the cell engine captures process.stdout while a
// cell runs, which would also capture the test runner's own report if the session lived in the test process.

import { writeSync } from "node:fs";
import type { ExecuteResult, OutputItem } from "../../kernel/protocol/rpc";
import type { ExecuteOptions } from "../../kernel/session/kernel-session";
import { KernelSession } from "../../kernel/session/kernel-session";

export interface Ran {
  result: ExecuteResult;
  outputs: OutputItem[];
}

async function main(): Promise<void> {
  const session = new KernelSession({
    cwd: process.cwd(),
    loadModel: () => Promise.reject(new Error("no model in this test (loadModel called)")),
  });
  const run = async (code: string, options: ExecuteOptions = {}): Promise<Ran> => {
    const outputs: OutputItem[] = [];
    const result = await session.execute(code, { emit: (o) => outputs.push(o) }, options);
    return { result, outputs };
  };
  const obs: Record<string, unknown> = {};
  obs.declare = await run("interface Pt { x: number }\nconst base: number = 40;\nlet pts: Pt[] = [];");
  obs.await = await run(
    "pts.push({ x: base + 2 });\nconst later = await new Promise<number>((r) => setTimeout(() => r(pts[0].x), 10));\nlater",
  );
  const before = process.stdout.write;
  obs.streams = await run('console.log("out", 1);\nconsole.error("err");\nprocess.stdout.write("raw");');
  obs.stdoutRestored = process.stdout.write === before;
  obs.rich = await run(
    'const rich = { toMimeBundle: () => ({ "text/html": "<b>hi</b>", "text/plain": "hi" }) };\nseed.display("shown");\nrich',
  );
  obs.seedTypes = await run("seed.splice(1, 2, 3)");
  obs.compileError = await run('const n: number = "x";');
  obs.runtimeError = await run('throw new RangeError("bad " + base)');
  obs.afterErrors = await run("base");
  obs.stopOnError = await Promise.all([run('throw new Error("stop")'), run("base + 1"), run("base + 2")]);
  obs.noStopOnError = await Promise.all([run('throw new Error("go on")', { stopOnError: false }), run("base + 1")]);
  const running = run("await new Promise((r) => setTimeout(r, 30000));");
  const queued = run("base");
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  obs.interruptResult = session.interrupt();
  obs.interrupted = await Promise.all([running, queued]);
  obs.interruptMs = Date.now() - t0;
  obs.afterInterrupt = await run("base");
  // An interrupted cell's code keeps running in the background (tslab abandons its promise); its next seed call must
  // see that cell's aborted signal (AbortError), even while a new cell runs with a fresh one.
  // (declared in its own cell: an interrupted cell's declarations are dropped, like any failed cell's)
  await run('let zombieEnd = "running";');
  const zombie = run(
    "for (let i = 0; i < 100000; i++) {\n" +
      '  try { await seed.info(); } catch (e) { if ((e as Error).name === "AbortError") { zombieEnd = "AbortError"; break; } }\n' +
      "  await new Promise((r) => setTimeout(r, 5));\n" +
      "}",
  );
  await new Promise((r) => setTimeout(r, 300));
  session.interrupt();
  obs.zombieCell = await zombie;
  obs.newCellWhileZombie = await run("await new Promise((r) => setTimeout(r, 200)); 1");
  obs.zombieEnd = await run("zombieEnd");
  // A display made after its cell ended (timer) belongs to that cell, not to the one running at the time.
  obs.lateOwner = await run('setTimeout(() => seed.display("late"), 300);\n1');
  obs.lateBystander = await run("await new Promise((r) => setTimeout(r, 700));\n2");
  const countBefore = session.executionCount;
  obs.silent = await run('console.log("hidden"); 5', { silent: true });
  obs.silentCountUnchanged = session.executionCount === countBefore;
  obs.blank = await run("  \n\t\n");
  obs.afterBlank = await run("base + 3");
  obs.modelFails = await run("await seed.info()");
  await session.close();
  writeSync(1, `${JSON.stringify(obs)}\n`);
  process.exit(0);
}

void main();
