#!/usr/bin/env bash
# The README's test command: installs everything the suite needs into .venv, then runs pytest.
# Usage: bash tests/run.sh [pytest args]   e.g. bash tests/run.sh -m slow  (the long tier)
set -euo pipefail
cd "$(dirname "$0")/.."

# System tools used by tests: TTS voices for the corpus builder, ffmpeg for previews.
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  missing=""
  for pkg in flite espeak-ng libespeak-ng1 ffmpeg; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
  done
  if [ -n "$missing" ]; then
    apt-get update -qq >/dev/null && \
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null || \
      echo "tests/run.sh: could not install$missing; tests needing them will skip" >&2
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# torch==2.13.0 (CPU) comes from the machine's local disk; bpy is the real Blender module.
.venv/bin/python -m pip install -q -e ".[dev,plot,asr,video,train,blender]"

# Kokoro's voice styles come from npm (27 MB, checked by sha256); without npm its test skips
if command -v npm >/dev/null 2>&1 && ! .venv/bin/python -m training.kokoro_tts 2>/dev/null; then
  .venv/bin/python -m training.kokoro_tts --fetch >/dev/null 2>&1 || \
    echo "tests/run.sh: could not fetch Kokoro's voices; their test will skip" >&2
fi

# --dist loadscope: a module's tests share one worker, so module fixtures (a Blender
# render, a trained avatar) are built once, not once per worker
exec .venv/bin/python -m pytest -n 2 --dist loadscope "$@"
