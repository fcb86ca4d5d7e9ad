#!/usr/bin/env bash
# Installs JupyterLab (pinned) into a Python venv for the JupyterLab browser test (tests/e2e/jupyterlab.mjs),
# idempotently: quiet and fast (< 1 s) when that version is already there.
#   - apt: python3-venv (Debian's Python 3 makes the venv), when missing
#   - pip: jupyterlab==$JUPYTERLAB_VERSION and jupyterlab_widgets==$WIDGETS_VERSION (the Jupyter widgets manager, so
#     that the SEED kernel's live controls render as widgets) and their dependencies, from the pip index in $SEED_PIP_INDEX (default: the
#     local index file:///opt/pypi/simple; no other index and no pip config are consulted)
# The venv goes to $SEED_JUPYTERLAB_VENV, default .tools/jupyterlab. Prints the venv's path on success.
# Usage: scripts/install-jupyterlab.sh [--verbose]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SEED_JUPYTERLAB_VENV:-$ROOT/.tools/jupyterlab}"
INDEX="${SEED_PIP_INDEX:-file:///opt/pypi/simple}"
JUPYTERLAB_VERSION="4.6.4"
WIDGETS_VERSION="3.0.17"
PYTHON=/usr/bin/python3
VERBOSE=0
[[ "${1:-}" == "--verbose" ]] && VERBOSE=1

# shellcheck source=lib/quiet.sh
source "$ROOT/scripts/lib/quiet.sh"

installed() { # true when the venv holds these JupyterLab and widget-manager versions and the launcher
  [[ -x "$VENV/bin/jupyter-lab" ]] &&
    compgen -G "$VENV/lib/python3*/site-packages/jupyterlab-$JUPYTERLAB_VERSION.dist-info" >/dev/null &&
    compgen -G "$VENV/lib/python3*/site-packages/jupyterlab_widgets-$WIDGETS_VERSION.dist-info" >/dev/null
}

if installed; then echo "$VENV"; exit 0; fi

# 1. python3-venv (Debian splits ensurepip out of python3)
if ! "$PYTHON" -c "import ensurepip, venv" 2>/dev/null; then
  log "apt-get install python3-venv"
  if [[ $(id -u) != 0 ]]; then log "need root for apt-get install python3-venv"; exit 1; fi
  quiet flock /tmp/apt.lock sh -c "apt-get install -y --no-install-recommends python3-venv || (apt-get update && apt-get install -y --no-install-recommends python3-venv)"
fi

# 2. the venv, JupyterLab and the widget manager (about 100 packages, 240 MB, 15-60 s from a local index)
log "pip install jupyterlab==$JUPYTERLAB_VERSION into $VENV (from $INDEX)"
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
quiet "$PYTHON" -m venv "$VENV"
# PIP_CONFIG_FILE=/dev/null: this machine's pip config (extra indexes, constraints, find-links) must not decide what
# CI installs; the pinned version and this one index do.
PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 \
  quiet "$VENV/bin/pip" install --no-input --index-url "$INDEX" "jupyterlab==$JUPYTERLAB_VERSION" \
  "jupyterlab_widgets==$WIDGETS_VERSION"

installed || { log "jupyterlab $JUPYTERLAB_VERSION missing from $VENV after install"; exit 1; }
echo "$VENV"
