// seed.restartKernel's confirmation (extension/src/restart-confirm.ts) with a scripted prompt in place of the modal
// dialog: it asks unless seed.confirmRestart is false, and only "Restart" goes ahead.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  confirmRestart,
  RESTART_ANSWER,
  RESTART_QUESTION,
  type RestartPrompt,
} from "../../extension/src/restart-confirm";

/** A prompt that records what it was asked and answers `answer`. */
function scripted(answer: string | undefined): { prompt: RestartPrompt; asked: Array<[string, string]> } {
  const asked: Array<[string, string]> = [];
  return { asked, prompt: (question, button) => (asked.push([question, button]), Promise.resolve(answer)) };
}

test("asks 'Restart the kernel? All variables will be lost.' with a Restart button; Restart goes ahead", async () => {
  const { prompt, asked } = scripted(RESTART_ANSWER);
  assert.equal(await confirmRestart(true, prompt), true);
  assert.deepEqual(asked, [["Restart the kernel? All variables will be lost.", "Restart"]]);
  assert.equal(RESTART_QUESTION, asked[0]?.[0]);
});

test("Cancel (the dialog closed without an answer) does not restart", async () => {
  assert.equal(await confirmRestart(true, scripted(undefined).prompt), false);
  assert.equal(await confirmRestart(true, scripted("Cancel").prompt), false);
});

test("seed.confirmRestart false restarts without asking; unset or invalid asks", async () => {
  const off = scripted(undefined);
  assert.equal(await confirmRestart(false, off.prompt), true);
  assert.equal(off.asked.length, 0);
  for (const setting of [undefined, true, "no"]) {
    const on = scripted(undefined);
    assert.equal(await confirmRestart(setting, on.prompt), false);
    assert.equal(on.asked.length, 1, `setting ${JSON.stringify(setting)} asks`);
  }
});

test("package.json contributes seed.confirmRestart, default true", () => {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    contributes: { configuration: { properties: Record<string, { type: string; default: unknown }> } };
  };
  const setting = manifest.contributes.configuration.properties["seed.confirmRestart"];
  assert.deepEqual({ type: setting?.type, default: setting?.default }, { type: "boolean", default: true });
});
