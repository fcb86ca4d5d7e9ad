// package.json's extension contributions agree with the code: the notebook renderer's mimeTypes are exactly
// SEED_RENDERER_MIME_TYPES (protocol defined once, STYLE.md 8), every command the code registers is contributed,
// settings have the keys settings.ts reads, and Restricted Mode gets no kernel.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { COMMANDS } from "../../extension/src/command-ids";
import { DEFAULT_SETTINGS, EXECUTION_PROVIDERS } from "../../extension/src/settings";
import { SEED_RENDERER_MIME_TYPES } from "../../kernel/protocol/mime";

interface Manifest {
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: boolean | string } };
  contributes: {
    notebookRenderer: Array<{ id: string; entrypoint: string; mimeTypes: string[]; requiresMessaging: string }>;
    commands: Array<{ command: string }>;
    configuration: { properties: Record<string, { default: unknown; enum?: string[] }> };
  };
}

const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as Manifest;

test("the notebook renderer's mimeTypes equal SEED_RENDERER_MIME_TYPES", () => {
  const renderers = manifest.contributes.notebookRenderer;
  assert.equal(renderers.length, 1);
  const [renderer] = renderers;
  assert.equal(renderer.id, "seed-notebook-renderer");
  assert.equal(renderer.entrypoint, "./dist/renderer.js");
  assert.equal(renderer.requiresMessaging, "optional");
  assert.deepEqual([...renderer.mimeTypes].sort(), [...SEED_RENDERER_MIME_TYPES].sort());
  assert.equal(new Set(renderer.mimeTypes).size, renderer.mimeTypes.length, "no duplicate MIME types");
});

test("every command the extension registers is contributed", () => {
  const registered = Object.values(COMMANDS);
  const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
  assert.equal(contributed.size, registered.length, "no contributed command without an implementation");
  for (const id of registered) assert.ok(contributed.has(id), `${id} is registered but not in contributes.commands`);
});

test("settings in package.json match settings.ts defaults and choices", () => {
  const props = manifest.contributes.configuration.properties;
  for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) {
    assert.ok(props[`seed.${key}`], `seed.${key} missing from contributes.configuration`);
    assert.deepEqual(props[`seed.${key}`].default, value, `default of seed.${key}`);
  }
  assert.deepEqual(props["seed.executionProvider"].enum, [...EXECUTION_PROVIDERS]);
});

test("no kernel in Restricted Mode, activation on .ipynb, runtime entry in dist", () => {
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, false);
  assert.ok(manifest.activationEvents.includes("onNotebook:jupyter-notebook"));
  assert.equal(manifest.main, "./dist/extension.js");
  // vscode-languageclient 11 refuses to start below VS Code 1.91.
  assert.match(manifest.engines.vscode, /^\^1\.(9[1-9]|[1-9]\d\d)\./);
});
