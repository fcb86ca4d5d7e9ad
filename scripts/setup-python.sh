#!/usr/bin/env bash
# Creates .venv/ with the pinned Python requirements (model/requirements.txt), idempotently (< 1 s when current).
# The package index: $PIP_INDEX_URL when set; else a local mirror at /opt/pypi/simple when the machine has one
# (offline build machines); else PyPI, with PyTorch's CPU wheels index for torch.
# Usage: bash scripts/setup-python.sh        then: .venv/bin/python -m model.train --help
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
REQ="$ROOT/model/requirements.txt"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
  exit 0
fi
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; assert sys.version_info >= (3, 10), "Python >= 3.10 is needed"'
[[ -x "$VENV/bin/python" ]] || "$PY" -m venv "$VENV"
args=(--disable-pip-version-check --root-user-action=ignore -q)
if [[ -n "${PIP_INDEX_URL:-}" ]]; then
  args+=(--index-url "$PIP_INDEX_URL")
elif [[ -d /opt/pypi/simple ]]; then
  args+=(--index-url file:///opt/pypi/simple)
  [[ -d /opt/wheels ]] && args+=(--find-links /opt/wheels)
else
  args+=(--extra-index-url https://download.pytorch.org/whl/cpu)
fi
echo "setup-python: installing model/requirements.txt into .venv (about 2 min the first time)" >&2
"$VENV/bin/python" -m pip install "${args[@]}" -r "$REQ" 2>&1 | grep -v "is ignored: it is neither a file nor a directory" >&2 || true
"$VENV/bin/python" -c 'import torch, onnx, onnxruntime, numpy, PIL, sentencepiece' 
echo "$want" > "$STAMP"
