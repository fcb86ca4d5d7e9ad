// Child-process half of remote-lm-kernel.test.ts: a real KernelSession (tslab cells, the model on its worker thread)
// whose language model is served by the fake OpenAI-compatible server (tests/helpers/fake-lm-server.ts), started
// here. Cells hit server failures and an interrupt; after each, the next cell must run. Prints one JSON object of
// observations (a child process: the cell engine captures stdout while a cell runs).

import { writeSync } from "node:fs";
import type { ExecuteResult, OutputItem } from "../../kernel/protocol/rpc";
import { modelLoader } from "../../kernel/session/kernel-options";
import { KernelSession } from "../../kernel/session/kernel-session";
import { SeedModel } from "../../model/runtime/index";
import { FakeLmServer } from "../helpers/fake-lm-server";
import { copyPackage, loadOptions, TINY_PACKAGE } from "../helpers/packages";

interface Ran {
  result: ExecuteResult;
  plain?: string;
}

async function main(): Promise<void> {
  const { cacheDir } = copyPackage();
  const local = await SeedModel.load(TINY_PACKAGE, loadOptions(cacheDir));
  const fake = await FakeLmServer.startFor(local);
  await local.dispose();
  const session = new KernelSession({
    cwd: process.cwd(),
    loadModel: modelLoader({ model: TINY_PACKAGE, executionProvider: "cpu", lmEndpoint: fake.url, lmTimeoutMs: 2000 }),
  });
  const run = async (code: string): Promise<Ran> => {
    const outputs: OutputItem[] = [];
    const result = await session.execute(code, { emit: (o) => outputs.push(o) });
    const r = outputs.find((o) => o.kind === "result");
    return { result, plain: r?.kind === "result" ? (r.data["text/plain"] as string) : undefined };
  };
  const obs: Record<string, unknown> = { url: fake.url };
  obs.info = await run("(await seed.info()).languageModel");
  obs.drawing = await run(
    'const g = await seed.chat("Draw a cat", { temperature: 0, maxTokens: 20, decodeImages: false });\n' +
      "[g.imageTokens.length, g.imageTokens[0]?.ids.length]",
  );
  fake.fault = { kind: "http500", message: "slot unavailable" };
  obs.http500 = await run('await seed.chat("hi", { maxTokens: 4 })');
  fake.fault = { kind: "malformed", afterTokens: 1 };
  obs.malformed = await run('await seed.chat("hi", { maxTokens: 4 })');
  fake.fault = { kind: "none" };
  obs.afterFaults = await run('(await seed.chat("hi", { maxTokens: 3, temperature: 0 })).tokens.length');
  fake.fault = { kind: "slow", msPerToken: 500 };
  const closedBefore = fake.clientClosed;
  const running = run('await seed.chat("hi", { maxTokens: 6 })');
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = Date.now();
  session.interrupt();
  obs.interrupted = await running;
  obs.interruptMs = Date.now() - t0;
  for (let i = 0; i < 100 && fake.openStreams > 0; i++) await new Promise((r) => setTimeout(r, 20));
  obs.socketsClosedByClient = fake.clientClosed - closedBefore;
  obs.openStreamsAfterInterrupt = fake.openStreams;
  fake.fault = { kind: "none" };
  obs.afterInterrupt = await run("1 + 1");
  await fake.close();
  obs.refused = await run('await seed.chat("hi", { maxTokens: 4 })');
  obs.afterRefused = await run("(await seed.info()).name");
  await session.close();
  writeSync(1, `${JSON.stringify(obs)}\n`);
  process.exit(0);
}

void main();
