#!/usr/bin/env bash
# Installs llama.cpp's llama-server into .tools/llama-server/, idempotently (quiet and < 1 s when the recorded
# version matches). The tests start it to serve SEED-mini's language model (tests/helpers/llama-server.ts).
#
# Source and libraries come from npm, at one pinned release:
#   - node-llama-cpp@3.22.1 ships llama.cpp's source as a git bundle (llama/gitRelease.bundle, llama.cpp tag in
#     llama/llama.cpp.info.json);
#   - @node-llama-cpp/linux-x64@3.22.1 ships that release's prebuilt shared libraries (libllama, libllama-common,
#     libggml, libggml-base and one libggml-cpu-* per x86-64 CPU level, picked at run time).
# Only the server itself is compiled (scripts/llama-server/CMakeLists.txt: tools/server + cpp-httplib, linked against
# those libraries; the multimodal library is a stub), not ggml, llama or common: 93 CPU-seconds for the whole script
# from a clean clone (download, clone, compile, link; about a minute on 2 free cores), against 45-60 min for a full
# llama.cpp build on 2 cores. Needs git, cmake >= 3.18, g++ with C++17, npm.
# The build folder (.tools/llama-server-build: npm packages, source, objects) is kept, so a re-run after a failure
# resumes; it can be deleted once the server is installed.
# Usage: scripts/install-llama-server.sh [--verbose]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NLC_VERSION="3.22.1"
DEST="$ROOT/.tools/llama-server"
WORK="$ROOT/.tools/llama-server-build"
RECIPE="$ROOT/scripts/llama-server"
VERBOSE=0
[[ "${1:-}" == "--verbose" ]] && VERBOSE=1
unset npm_config_user_agent # see install-vscode-server.sh: a nested npm must describe itself

# shellcheck source=lib/quiet.sh
source "$ROOT/scripts/lib/quiet.sh"

if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  log "the prebuilt llama.cpp libraries used here are for Linux x86-64;" \
    "on $(uname -s)-$(uname -m) build llama.cpp itself"
  exit 1
fi
for tool in git cmake g++ npm; do
  command -v "$tool" >/dev/null || { log "needs $tool on PATH (Debian: apt-get install git cmake g++ npm)"; exit 1; }
done

# The installed binary is current when its record names this release and this build recipe (the files it compiles
# with: scripts/llama-server/*).
recipe_hash="$(cat "$RECIPE"/* | sha256sum | cut -c1-16)"
want="node-llama-cpp@$NLC_VERSION recipe:$recipe_hash"
if [[ -x "$DEST/llama-server" && -f "$DEST/VERSION" && "$(head -n 1 "$DEST/VERSION")" == "$want" ]]; then
  exit 0
fi

start=$SECONDS
mkdir -p "$WORK"
if [[ ! -f "$WORK/npm/node-llama-cpp/llama/gitRelease.bundle" || ! -d "$WORK/npm/linux-x64/bins/linux-x64" ]]; then
  log "npm pack node-llama-cpp@$NLC_VERSION and @node-llama-cpp/linux-x64@$NLC_VERSION (~46 MB)"
  rm -rf "$WORK/npm" && mkdir -p "$WORK/npm/node-llama-cpp" "$WORK/npm/linux-x64"
  (cd "$WORK/npm" && quiet npm pack --silent "node-llama-cpp@$NLC_VERSION" "@node-llama-cpp/linux-x64@$NLC_VERSION")
  tar -xzf "$WORK/npm/node-llama-cpp-$NLC_VERSION.tgz" -C "$WORK/npm/node-llama-cpp" --strip-components=1
  tar -xzf "$WORK/npm/node-llama-cpp-linux-x64-$NLC_VERSION.tgz" -C "$WORK/npm/linux-x64" --strip-components=1
  rm -f "$WORK"/npm/*.tgz
fi
tag="$(sed -n 's/.*"tag": *"\([^"]*\)".*/\1/p' "$WORK/npm/node-llama-cpp/llama/llama.cpp.info.json")"
bins="$WORK/npm/linux-x64/bins/linux-x64"
if [[ -z "$tag" || ! -f "$bins/libllama.$tag.so" ]]; then
  log "no libllama.$tag.so in @node-llama-cpp/linux-x64@$NLC_VERSION"
  exit 1
fi

if [[ ! -f "$WORK/src/tools/server/server.cpp" ]]; then
  log "llama.cpp $tag source from the package's git bundle"
  rm -rf "$WORK/src"
  quiet git clone --quiet "$WORK/npm/node-llama-cpp/llama/gitRelease.bundle" "$WORK/src"
fi

jobs="$(nproc)"
log "compiling llama-server against the prebuilt libraries ($jobs jobs; ~90 CPU-seconds: ~1 min on 2 free cores)"
quiet cmake -S "$RECIPE" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_SOURCE_DIR="$WORK/src" -DLLAMA_PREBUILT_DIR="$bins" -DLLAMA_LIB_SUFFIX="$tag"
quiet cmake --build "$WORK/build" --target llama-server -j "$jobs"

# The binary finds its libraries beside itself (RUNPATH $ORIGIN); libggml loads the best libggml-cpu-* from there.
rm -rf "$DEST.tmp" && mkdir -p "$DEST.tmp"
cp "$WORK/build/llama-server" "$bins"/*.so "$DEST.tmp/"
cp "$WORK/src/LICENSE" "$DEST.tmp/LICENSE.llama.cpp"
if ! "$DEST.tmp/llama-server" --version >"$DEST.tmp/version.txt" 2>&1; then
  log "the built llama-server does not start:"
  cat "$DEST.tmp/version.txt" >&2
  exit 1
fi
printf '%s\nllama.cpp %s\n' "$want" "$tag" >"$DEST.tmp/VERSION"
rm -rf "$DEST" && mv "$DEST.tmp" "$DEST"
log "installed $DEST/llama-server (llama.cpp $tag) in $((SECONDS - start)) s"
[[ $VERBOSE == 1 ]] && cat "$DEST/version.txt" >&2
exit 0
